"""Shared fixtures: real content, a real encrypted database in a temporary folder, engines
over it (`engine_factory`), and a `Chat` that drives the engine the way a person would (type,
tap a button by its label). Then the set-up tests share: onboarding (`set_up`), the walks many
tests take on the way to what they test (`log_mood`, `started_thought_record`, ...), each for a
Chat or an end-to-end Person, and the console through a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet

from bot.crypto import Cipher
from bot.scheduler import Pacer, Ticker
from bot.storage import Storage
from flows.lib import markup
from flows.lib.content import Content
from flows.dialogue.core import Incoming, Reply
from flows.dialogue.engine import Engine
from flows.lib.risk_model import Scores
from flows.registry import REGISTRY
from tests.e2e import TOKEN, make_config, running_bot
from tests.fake_telegram import FakeTelegram

FIXED_NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def content() -> Content:
    return Content()


@pytest.fixture
def key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "test.db"


@pytest.fixture
def database_url() -> str | None:
    """Which database the store runs on: None is the SQLite file at `db_path`. A module whose
    tests run on PostgreSQL too imports `tests.pg.both_databases`, which overrides this."""
    return None


@pytest.fixture
async def open_storage(db_path: Path, key: str, database_url: str | None):
    """Opens the test database, as a new process would: `await open_storage()`. Every one
    opened is closed at the end (closing twice is harmless)."""
    opened: list[Storage] = []

    async def open_() -> Storage:
        store = await Storage.open(db_path, Cipher(key), database_url)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        await store.close()


@pytest.fixture
async def storage(open_storage) -> Storage:
    return await open_storage()


@pytest.fixture
def engine_factory(storage: Storage, content: Content):
    """Makes an engine over the test database: `engine_factory()` sees FIXED_NOW; give it a
    clock (a `Clock`), a store or another registry. A new engine over the same database is what a
    restart is."""

    def make(clock=None, *, store: Storage | None = None, registry=REGISTRY) -> Engine:
        return Engine(
            storage if store is None else store, content, registry, clock=(lambda: FIXED_NOW) if clock is None else clock
        )

    return make


@pytest.fixture
def engine(engine_factory) -> Engine:
    return engine_factory()


class Chat:
    """One person talking to the engine; remembers the last replies and their buttons."""

    def __init__(self, engine: Engine, user_id: int = 42) -> None:
        self.engine = engine
        self.user_id = user_id
        self.replies: list[Reply] = []
        self.next_update_id = 1000

    async def incoming(self, **fields) -> list[Reply]:
        self.next_update_id += 1
        fields.setdefault("update_id", self.next_update_id)
        self.replies = await self.engine.handle(Incoming(self.user_id, self.user_id, **fields))
        return self.replies

    async def send(self, text: str) -> list[Reply]:
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            return await self.incoming(kind="command", command=name, args=args, text=args)
        return await self.incoming(kind="text", text=text)

    async def press(self, label: str) -> list[Reply]:
        data = self.button_data(label)
        return await self.incoming(kind="button", data=data)

    async def press_data(self, data: str) -> list[Reply]:
        """A tap on a button of an earlier message (a reminder's, a nudge's)."""
        return await self.incoming(kind="button", data=data)

    def button_data(self, label: str) -> str:
        for reply in reversed(self.replies):
            for row in reply.buttons:
                for button in row:
                    if button.label == label and button.data:
                        return button.data
        raise AssertionError(f"no button {label!r} in {self.labels()}")

    def labels(self) -> list[str]:
        return [b.label for r in self.replies for row in r.buttons for b in row]

    @property
    def text(self) -> str:
        """Everything the last replies said, as the person would read it."""
        return "\n".join(markup.visible_text(r.text) for r in self.replies)


# Words no pattern knows, which the `probable` fixture makes the model find probable (between
# its "ask" and "respond" thresholds): what the bot does with a probable signal, whatever
# the model of the day.
PROBABLE = "its all getting too heavy to carry these days"
PROBABLE_TOO = "some days i wonder what the point of carrying on is"


@pytest.fixture
def probable(content: Content, monkeypatch):
    model = content.risk_screen.model
    real = model.score

    def score(text: str) -> Scores:
        if text in (PROBABLE, PROBABLE_TOO):
            kinds = {k: 0.1 for k in ("suicidal", "self_harm", "harm_from_others", "harm_to_others", "plan", "act")}
            return Scores((model.ask_at + model.respond_at) / 2, {**kinds, "suicidal": 0.8})
        return real(text)

    monkeypatch.setattr(model, "score", score)


@pytest.fixture
def chat(engine: Engine) -> Chat:
    return Chat(engine)


@pytest.fixture
def fake():
    """The fake Bot API. Every test that uses it ends by checking that the fake answered no
    error the test did not inject: anything our bot sends that Telegram would refuse fails."""
    with FakeTelegram(token=TOKEN) as server:
        yield server
        assert server.unexpected_errors() == []


@pytest.fixture
def config(fake, db_path: Path, key: str, database_url: str | None):
    return make_config(fake, db_path, key, postgres_url=database_url)


@pytest.fixture
async def bot(fake, config, content):
    """Our bot, running against the fake."""
    async with running_bot(fake, config, content) as running:
        yield running


async def set_up(
    person,
    country: str = "United Kingdom",
    consent: str = "Yes, keep them",
    timezone: str | None = None,
    reminder: str | None = None,
) -> None:
    """Onboard: consent and a country, typed; the time zone typed if given and asked (a
    country with one time zone, like the UK, sets it without asking), else skipped; the
    check-in time typed if given, else none. `person` is a Chat (engine) or a Person (end to
    end): both send and press."""
    await person.send("/start")
    await person.press(consent)
    await person.send(country)
    if "Which time zone" in _said(person):
        await (person.send(timezone) if timezone else person.press("Skip"))
    await (person.send(reminder) if reminder else person.press("No reminder"))


def _said(person) -> str:
    """What the last send or press brought, for a Chat or a Person."""
    if hasattr(person, "last"):  # a Person (conftest may be imported under two names: no isinstance)
        return "\n".join(m.text or "" for m in person.last)
    return person.text


# --- walks that many tests take on the way to what they test ---------------------------------
# Each takes a Chat or a Person and does what the person would: send and press.


async def log_mood(person, score: int | str, note: str | None = None) -> list:
    """/mood: a score, no emotion words, and the note (or none). Returns the last replies."""
    await person.send("/mood")
    await person.press(str(score))
    await person.press("Skip")
    return await (person.send(note) if note else person.press("Skip"))


async def started_thought_record(
    person, version: str = "Full record", situation: str = "Waiting for a reply from my sister"
) -> list:
    """/thought, the version, the situation typed: at the next question (the emotions in the
    full record, the thought in the quick version), which it returns."""
    await person.send("/thought")
    await person.press(version)
    return await person.send(situation)


async def choose_exercise(person, name: str, mood: str = "4") -> None:
    """/checkin, a mood, an exercise: up to its safeguard."""
    await person.send("/checkin")
    await person.press(mood)
    await person.press(name)


async def start_guided_breathing(person) -> None:
    """Box breathing, guided with a timer: at its first phase."""
    await choose_exercise(person, "Box breathing")
    await person.press("Guide me, timed")


async def plan(person, kind: str = "Something enjoyable", activity: str = "Listen to a favourite song",
               day: str = "Today", at: str = "18:00", predicted: str = "6", typed: bool = False) -> None:
    """/plan one activity by taps (or typing the activity and the time; a time with no button
    is typed too)."""
    await person.send("/plan")
    await person.press(kind)
    await (person.send(activity) if typed else person.press(activity))
    await person.press(day)
    await (person.send(at) if typed or at not in person.labels() else person.press(at))
    await person.press(predicted)


def tomorrow_at(hour: int, minute: int = 0, zone: str = "Europe/London") -> datetime:
    """Tomorrow at hour:minute where set_up's person lives (the UK's one time zone is set for
    them), in UTC: for a bot that ticks on the real clock, in winter and in summer alike."""
    here = ZoneInfo(zone)
    day = datetime.now(timezone.utc).astimezone(here).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=here).astimezone(timezone.utc)


async def journal_pages(person, command: str = "/journal") -> list[str]:
    """The journal page by page ([Older ›] until the last): each page's text as the person
    sees it. `person` is a Chat or a Person."""
    pages = []
    replies = await person.send(command)
    while True:
        first = replies[0]
        pages.append(first.text if hasattr(first, "message_id") else markup.visible_text(first.text))
        if "Older ›" not in person.labels():
            return pages
        replies = await person.press("Older ›")


# --- the console, through a pipe -----------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent

# What set_up answers, typed at the console: [2] is "Yes, keep them"; the UK's one time zone
# is set without a question.
CONSOLE_SET_UP = ["2", "United Kingdom", "No reminder"]


def run_console(tmp_path: Path, lines: list[str], **env: str) -> subprocess.CompletedProcess:
    """`python -m bot console` with these lines typed, its database in `tmp_path`."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path}/chat.db",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=60,
    )


# --- a clock the tests move, and the real tick ------------------------------------------


def unpaced() -> Pacer:
    """Tests of what a nudge says need not wait for Telegram's pace (tests/test_drain.py tests the pace)."""
    return Pacer(rate=1_000_000.0, chat_gap=0.0)


class Clock:
    """Now, as the engine and the tick see it; tests set or move it (nobody sleeps)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(FIXED_NOW)  # a Tuesday, noon in London, 07:00 in New York


@pytest.fixture
def moving(engine_factory, clock: Clock) -> Engine:
    return engine_factory(clock)


@pytest.fixture
def sent() -> list:
    """What the tick sent: (chat id, replies)."""
    return []


@pytest.fixture
def ticker(storage: Storage, moving: Engine, sent: list) -> Ticker:
    async def send(chat_id: int, replies: list[Reply]) -> bool:
        sent.append((chat_id, replies))
        return True

    return Ticker(storage, moving, send, pacer=unpaced())


@pytest.fixture
def ana(moving: Engine) -> Chat:
    return Chat(moving, user_id=7)


def texts(sent: list) -> list[str]:
    return [markup.visible_text(r.text) for _, replies in sent for r in replies]
