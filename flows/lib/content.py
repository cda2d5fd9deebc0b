"""Loads and validates everything in content/: templates, button labels, commands, crisis lines,
and every DataFile (the practices' data, found by convention).

Operators edit content/ without touching code, so every file is checked against a schema
at start-up and in the tests, and an error names the file and the field.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import jinja2
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flows.lib import places

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]*[0-9]$")
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


class ContentError(Exception):
    """A content file is missing or does not match its schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataFile(_Strict):
    """A data file a practice reads: a model plus its `path` under content/. Every subclass that sets
    `path` is loaded and checked when `Content()` is built, and read with `content.of(Model)`.

    A new one needs no edit to `Content`: define it in the practice's module, which
    flows/registry.py imports. It is collected only if its module is imported before
    `Content()` is built.
    """

    path: ClassVar[str]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "path" in cls.__dict__:  # a subclass without its own path is a base, not a file
            _DATA_FILES.append(cls)


_DATA_FILES: list[type[DataFile]] = []  # loaded in the order defined, so the first error is always the same
_D = TypeVar("_D", bound=DataFile)


def https_only(url: str | None) -> str | None:
    if url is not None and not url.startswith("https://"):
        raise ValueError("must start with https://")
    return url


def _web_address(url: str) -> str:
    if not url.startswith(("https://", "http://")):
        raise ValueError("must be a web address (http:// or https://)")
    return url


def _phone(number: str | None) -> str | None:
    if number is not None and not _PHONE.match(number):
        raise ValueError("not a phone number (digits, spaces, + and - only)")
    return number


class Sourced(_Strict):
    source: str
    checked: date

    _source_is_web = field_validator("source")(_web_address)


class Emergency(Sourced):
    number: str
    note: str | None = None

    _number_shape = field_validator("number")(_phone)


class Service(Sourced):
    """A helpline: at least one way to reach it (phone, text or chat)."""

    name: str
    hours: str
    phone: str | None = None
    sms: str | None = None
    sms_keyword: str | None = None
    chat: str | None = None
    cost: str | None = None
    website: str | None = None

    _urls = field_validator("chat", "website")(https_only)

    _phone_shape = field_validator("phone", "sms")(_phone)

    @model_validator(mode="after")
    def _reachable(self) -> Service:
        if not (self.phone or self.sms or self.chat):
            raise ValueError("needs at least one of phone, sms or chat")
        return self


class CountryLines(_Strict):
    country: str
    emergency: list[Emergency]
    crisis: list[Service]
    youth: list[Service] = []
    domestic_abuse: list[Service] = []

    @field_validator("emergency", "crisis")
    @classmethod
    def _not_empty(cls, value: list) -> list:
        if not value:
            raise ValueError("needs at least one entry")
        return value

    def services(self) -> list[Sourced]:
        return [*self.emergency, *self.crisis, *self.youth, *self.domestic_abuse]


class Directory(Sourced):
    name: str
    website: str
    description: str


class International(_Strict):
    directory: list[Directory]


HELP_GROUPS = ("everyday", "practices", "progress", "settings", "data")  # /help, then a button each


class CommandInfo(_Strict):
    name: str
    menu: str  # the short description in Telegram's command menu
    help: str  # the line in /help
    groups: bool = False  # also offered in group chats
    group: str = "practices"  # where /help lists it: one of HELP_GROUPS ("everyday": on /help itself)

    _help_group = field_validator("group")(lambda value: one_of("group", HELP_GROUPS)(value))

    @field_validator("name")
    @classmethod
    def _command_name(cls, value: str) -> str:
        if not _COMMAND.match(value):
            raise ValueError("commands are 1-32 characters of a-z, 0-9 and _")
        return value


class RecordNames(_Strict):
    """How the journal, /export and /delete name one kind of entry (content/records.toml)."""

    title: str  # heading of one entry on a journal page
    plural: str  # "No moods yet."
    one: str  # what /delete counts: "1 mood"
    many: str  # "3 moods"


class PlanSection(_Strict):
    key: str
    title: str
    question: str
    example: str
    suggest_crisis_line: bool = False


class SafetyPlanContent(DataFile):
    path = "safety_plan.toml"

    section: list[PlanSection] = Field([], validate_default=True)

    @field_validator("section")
    @classmethod
    def _some(cls, value: list[PlanSection]) -> list[PlanSection]:
        if not value:
            raise ValueError("needs at least one [[section]]")
        return value


_ID = re.compile(r"^[a-z0-9_]{1,24}$")


def button_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError("ids are 1-24 characters of a-z, 0-9 and _ (they go into button data)")
    return value


def one_of(name: str, allowed: tuple[str, ...]):
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{name} is one of {', '.join(allowed)}")
        return value

    return check


def short_text(limit: int):
    def check(value: str) -> str:
        if not value.strip() or len(value) > limit:
            raise ValueError(f"must be 1-{limit} characters")
        return value

    return check


class Trap(_Strict):
    """A thinking trap (cognitive distortion), for the thought record."""

    id: str
    name: str
    explain: str
    example: str
    questions: list[str]

    _id_shape = field_validator("id")(button_id)
    _label = field_validator("name")(short_text(32))


class ThoughtContent(DataFile):
    path = "practices/thought.toml"

    emotions: list[str]
    pleasant_emotions: list[str] = []
    general_questions: list[str]
    trap: list[Trap]

    @field_validator("emotions", "pleasant_emotions")
    @classmethod
    def _labels(cls, value: list[str]) -> list[str]:
        if not value or any(not 1 <= len(e) <= 20 for e in value):
            raise ValueError("needs emotion words of 1-20 characters")
        return value

    @model_validator(mode="after")
    def _apart(self) -> ThoughtContent:
        both = {e.casefold() for e in self.emotions} & {e.casefold() for e in self.pleasant_emotions}
        if both:
            raise ValueError(f"emotions and pleasant_emotions share {sorted(both)}")
        return self

    @field_validator("trap")
    @classmethod
    def _enough(cls, value: list[Trap]) -> list[Trap]:
        if len(value) < 10 or len({t.id for t in value}) != len(value):
            raise ValueError("needs at least ten traps with different ids")
        return value


class Category(_Strict):
    id: str
    name: str
    about: str

    _id_shape = field_validator("id")(button_id)
    _label = field_validator("name")(short_text(28))


class Activity(_Strict):
    id: str
    category: str
    level: str
    label: str
    note: str | None = None  # a gentle word, shown when it is chosen

    _id_shape = field_validator("id")(button_id)
    _label = field_validator("label")(short_text(40))
    _note = field_validator("note")(lambda value: value if value is None else short_text(160)(value))

    _level = field_validator("level")(lambda value: one_of("level", LEVELS)(value))


LEVELS = ("easy", "medium", "hard")


class Activities(DataFile):
    path = "practices/activities.toml"

    category: list[Category]
    activity: list[Activity]

    @model_validator(mode="after")
    def _consistent(self) -> Activities:
        ids = {c.id for c in self.category}
        for activity in self.activity:
            if activity.category not in ids:
                raise ValueError(f"activity {activity.id}: unknown category {activity.category!r}")
        if len({a.id for a in self.activity}) != len(self.activity):
            raise ValueError("activity ids must differ")
        if len(self.activity) < 40:
            raise ValueError("needs at least 40 activities")
        return self


class ExerciseStep(_Strict):
    text: str
    seconds: int = Field(0, ge=0)  # 0: it waits for them; else at least a second (a timer's least)

    _text = field_validator("text")(short_text(400))


class Exercise(_Strict):
    id: str
    name: str
    _id_shape = field_validator("id")(button_id)
    _label = field_validator("name")(short_text(28))

    about: str
    _about = field_validator("about")(short_text(60))  # every exercise's, on one screen
    safeguard: str
    closing: str
    rounds: int = 1
    step: list[ExerciseStep]


class Exercises(DataFile):
    path = "practices/exercises.toml"

    exercise: list[Exercise]


def _when(at: str, settings: Any) -> str:
    """An ISO time as they would say it, in their time zone: "Tue 24 Nov, 20:05"."""
    from datetime import datetime

    zone = places.tzinfo_for(settings.timezone) if settings is not None and settings.timezone else None
    moment = datetime.fromisoformat(at)
    local = moment.astimezone(zone) if zone else moment
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ContentError(f"{path}: file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: not valid TOML: {exc}") from None


def _model(model: type[BaseModel], path: Path, raw: dict[str, Any]) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ContentError(f"{path}: {problems}") from None


_screens: dict[str, Any] = {}  # the same screening files, byte for byte: the same compiled screen


def _load_screen(directory: Path):
    """Patterns, model and cues, compiled once per set of files (compiling takes seconds;
    a process builds Content once, but tests and checks build it many times)."""
    from flows.lib.risk_screen import RiskScreen
    from flows.lib.screening import ScreeningError

    try:
        digest = hashlib.sha256()
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes())
        key = digest.hexdigest()
        if key not in _screens:
            _screens[key] = RiskScreen.load(directory)
        return _screens[key]
    except ScreeningError as exc:
        raise ContentError(str(exc)) from None
    except (OSError, KeyError, ValueError) as exc:
        raise ContentError(f"{directory / 'model'}: the screening model cannot be read: {exc}") from None


def _load_traps(directory: Path):
    from flows.lib.traps import TrapRanker

    try:
        return TrapRanker.load(directory)
    except (OSError, KeyError, ValueError) as exc:
        raise ContentError(f"{directory}: the thinking-trap model cannot be read: {exc}") from None


class Content:
    """Everything a person reads, loaded once and checked."""

    def __init__(self, root: Path = CONTENT_DIR) -> None:
        self.root = root
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(root / "templates"),
            autoescape=True,  # every piece of user text inserted into HTML is escaped
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            # Templates are checked at start-up and compiled once: no stat() of the file per
            # render, and no cache to outgrow (an included template is compiled once too).
            auto_reload=False,
            cache_size=-1,
        )
        self.env.filters["country_name"] = places.country_name
        self.env.filters["timezone_label"] = places.timezone_label
        self.env.filters["local_time"] = lambda now, zone: now.astimezone(places.tzinfo_for(zone)).strftime("%H:%M")
        self.env.filters["long_date"] = lambda day: f"{day.day} {day:%B %Y}"
        self.env.filters["short_date"] = lambda day: f"{day.day} {day:%b}"
        self.env.filters["when"] = _when
        self._buttons: dict[str, str] = _read_toml(root / "buttons.toml")
        self.choices: dict[str, list[str]] = self._load_choices(root / "choices.toml")
        commands_path = root / "commands.toml"
        self.commands: list[CommandInfo] = [
            _model(CommandInfo, commands_path, raw)
            for raw in _read_toml(commands_path).get("command", [])
        ]
        records_path = root / "records.toml"
        self.records: dict[str, RecordNames] = {
            kind: _model(RecordNames, records_path, raw) for kind, raw in _read_toml(records_path).items()
        }
        self.env.globals["records"] = self.records
        self.crisis_lines: dict[str, CountryLines] = self._load_crisis_lines()
        international = root / "crisis" / "international.toml"
        self.international: International = _model(International, international, _read_toml(international))
        self.env.globals["crisis_countries"] = frozenset(self.crisis_lines)
        self.risk_screen = _load_screen(root / "screening")  # patterns, model and context cues
        self.trap_ranker = _load_traps(root / "practices" / "traps")  # which thinking traps a thought likely shows
        self._data: dict[type[DataFile], DataFile] = {
            model: _model(model, root / model.path, _read_toml(root / model.path)) for model in _DATA_FILES
        }
        self._templates = self._compile_templates()

    def of(self, model: type[_D]) -> _D:
        """The loaded, checked contents of a DataFile, e.g. `content.of(Activities)`."""
        try:
            return self._data[model]  # type: ignore[return-value]
        except KeyError:
            raise ContentError(
                f"{model.__name__} was not loaded: its module must be imported before Content() is built"
            ) from None

    def _load_crisis_lines(self) -> dict[str, CountryLines]:
        lines: dict[str, CountryLines] = {}
        for path in sorted((self.root / "crisis").glob("[A-Z][A-Z].toml")):
            entry = _model(CountryLines, path, _read_toml(path))
            if entry.country != path.stem:
                raise ContentError(f"{path}: country is {entry.country!r} but the file is named {path.stem}")
            lines[entry.country] = entry
        if not lines:
            raise ContentError(f"{self.root / 'crisis'}: no crisis lines found")
        return lines

    @staticmethod
    def _load_choices(path: Path) -> dict[str, list[str]]:
        choices = _read_toml(path)
        for code in choices.get("countries", []):
            if places.parse_country(code) != code:
                raise ContentError(f"{path}: countries: {code!r} is not a country code")
        for time in choices.get("reminder_times", []):
            if places.parse_time(time) != time:
                raise ContentError(f"{path}: reminder_times: {time!r} is not a time like 08:30")
        return choices

    def _compile_templates(self) -> dict[str, jinja2.Template]:
        """Every template, compiled once (a syntax error names the file and the line)."""
        templates = {}
        for name in self.env.list_templates(extensions=["html"]):
            try:
                templates[name.removesuffix(".html")] = self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                raise ContentError(f"templates/{name}, line {exc.lineno}: {exc.message}") from None
        return templates

    def render(self, template: str, **variables: Any) -> str:
        """Render templates/<template>.html to Telegram HTML."""
        try:
            compiled = self._templates[template]
        except KeyError:
            raise ContentError(f"templates/{template}.html is missing") from None
        try:
            return compiled.render(**variables).strip()
        except jinja2.TemplateNotFound as exc:  # an include names a template that is not there
            raise ContentError(f"templates/{exc.name} is missing (included by templates/{template}.html)") from None

    def has_template(self, template: str) -> bool:
        return template in self._templates

    def has_button(self, key: str) -> bool:
        return key in self._buttons

    def button(self, key: str, **variables: Any) -> str:
        try:
            return self._buttons[key].format(**variables)
        except KeyError:
            raise ContentError(f"buttons.toml has no label {key!r}") from None

    @cached_property
    def command_names(self) -> list[str]:
        return [command.name for command in self.commands]
