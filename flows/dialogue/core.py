"""The plain data that crosses between the engine, the flows and the adapters.

Nothing here knows about Telegram or SQL: an adapter turns an update into an `Incoming`,
the engine answers with `Reply` objects, and the adapter renders them for its medium.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Literal, TypeVar

if TYPE_CHECKING:
    from flows.lib.content import Content

MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
MIN_TIMER_SECONDS = 1  # a paced exercise changes its message at most once a second (Telegram's pace per chat)
HIDDEN = "hidden"  # flow data and entries: the fields whose typed words screening flagged
T = TypeVar("T")
S = TypeVar("S", bound="Stored")


def in_rows(items: list[T], per_row: int) -> list[list[T]]:
    """Lay buttons out in rows of `per_row` (phones show about three short ones abreast)."""
    return [items[i : i + per_row] for i in range(0, len(items), per_row)]


class Stored:
    """A dataclass kept as one encrypted JSON payload."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[S], raw: dict[str, Any]) -> S:
        """Ignore fields that a newer or older version of the bot wrote."""
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in raw.items() if k in known})


@dataclass(frozen=True)
class Button:
    """One inline button: it either sends `data` back to the bot or opens `url`."""

    label: str
    data: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise ValueError("a button has exactly one of data or url")
        if self.data is not None and not 1 <= len(self.data.encode()) <= MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data must be 1-64 bytes: {self.data!r}")


@dataclass(frozen=True)
class Document:
    """A file to send, built in memory (an export), or made when it is sent (`make`: a chart,
    drawn by the adapter in a worker thread so the event loop never waits for it)."""

    filename: str
    content: bytes = b""
    make: Callable[[], bytes] | None = None

    async def data(self) -> bytes:
        return self.content if self.make is None else await asyncio.to_thread(self.make)


@dataclass(frozen=True)
class Timer:
    """Press `data` for the person after `seconds`, unless they have moved on by then (a
    paced exercise's next phase). Adapters run it as a one-off job: no handler sleeps."""

    seconds: float
    data: str

    def __post_init__(self) -> None:
        if self.seconds < MIN_TIMER_SECONDS:
            raise ValueError(f"a timed step lasts at least {MIN_TIMER_SECONDS} s: {self.seconds}")


# How a reply replaces the message its input came from: "text" rewrites the message (and its
# buttons); "buttons" changes only the keyboard, its words being the same as before.
Edit = Literal["text", "buttons"]


@dataclass(frozen=True)
class Reply:
    """One message to show: Telegram-HTML text and rows of buttons, or a document whose
    caption is the text; `after` moves a timed step on by itself.

    `edit` replaces the message the input came from (`Incoming.message_id`: the tapped
    keyboard's message, or the timed phase's) instead of sending a new one. The text is
    always whole, so that if the edit fails the reply can still be sent as a new message.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: Document | None = None
    after: Timer | None = None
    edit: Edit | None = None


IncomingKind = Literal["text", "command", "button", "timer", "edited", "media", "blocked", "unblocked"]


@dataclass(frozen=True)
class Incoming:
    """Something a person did, in transport-neutral form."""

    user_id: int
    chat_id: int
    kind: IncomingKind
    text: str = ""  # typed text, a caption, or an edited message's new text
    command: str = ""  # "crisis" for "/crisis GB"
    args: str = ""  # "GB" for "/crisis GB"
    data: str = ""  # a pressed button's data
    media: str = ""  # "photo", "sticker", "voice", ... for kind == "media"
    private: bool = True
    update_id: int | None = None
    # The message it came from: a pressed button's message, or the message whose timed step
    # ran out. None: typed, or an adapter that cannot tell (nothing is then edited).
    message_id: int | None = None
    language: str = ""  # their app's language tag, if the adapter knows it ("en", "en-GB")


@dataclass(frozen=True)
class Answer:
    """An answer to the current step: typed text or a chosen option value."""

    text: str | None = None
    choice: str | None = None
    risk: frozenset[str] = frozenset()  # what the risk screen found in these words: never quote them back

    @property
    def flagged(self) -> bool:
        return bool(self.risk)


@dataclass
class Settings(Stored):
    """A person's settings. Stored encrypted, like everything else they tell us."""

    consent: bool | None = None  # keep their entries?
    country: str | None = None  # ISO 3166-1 alpha-2
    timezone: str | None = None  # IANA name or "UTC+05:30"
    reminder: str | None = None  # daily check-in time "HH:MM" local; None = no reminder
    onboarded: bool = False
    prompt_for: str | None = None  # the check-in time and zone the daily prompt is scheduled for
    lessons_read: list[str] = field(default_factory=list)  # /learn lessons read to the end, in order
    lesson_time: str | None = None  # a lesson a day at "HH:MM" local; None = none
    lesson_for: str | None = None  # the time and zone the daily lesson is scheduled for
    weekly: str | None = None  # a weekly summary: "sun 20:00" (local); None = none
    weekly_for: str | None = None  # the day, time and zone the weekly summary is scheduled for
    weekly_offered: bool = False  # the weekly summary is offered once, under their first chart
    # Recurring nudges' back-off (flows/lib/backoff.py): kind -> {"sent", "ignored", "paused"}.
    nudges: dict[str, dict[str, Any]] = field(default_factory=dict)
    belief_log: str | None = None  # a daily note for a new belief (/beliefs) at "HH:MM" local; None = none
    belief_log_for: str | None = None  # the time and zone the daily note's nudge is scheduled for


@dataclass
class FlowState:
    """Where someone is in a flow: its name, the current step, and the answers so far.

    `seq` numbers the question the person is on (unique per person, across flows); buttons
    carry it, so a press on an older question's keyboard is recognised as stale.
    """

    name: str
    step: str
    seq: int = 1
    data: dict[str, Any] = field(default_factory=dict)
    started: int = 0  # the seq of its first question: names this practice while it lasts
    risk: list[str] = field(default_factory=list)  # kinds of risk flagged in it so far (the engine notes them)


@dataclass
class Safety(Stored):
    """A person's safety plan, and when the bot last gave a full risk response."""

    plan: dict[str, str] = field(default_factory=dict)  # section -> their own words
    last_response_at: str | None = None  # ISO time, UTC
    last_severity: int = 0
    last_kinds: list[str] = field(default_factory=list)  # the kinds of risk that response answered
    # What a practice said as it ended on the answer that brought the response (its
    # summary): shown when they choose to carry on, not before.
    waiting: list[str] = field(default_factory=list)
    plan_kept: bool = False  # the plan was written while they agreed to keep entries
    # An open one-tap question ("Are you having thoughts of ...?"): the words it was about,
    # held as their answer until they tap, the kinds the model found, the question they
    # answered (seq) and when.
    question: dict[str, Any] | None = None
    declined_at: str | None = None  # when they last said "No, I'm OK"
    declined_in: int | None = None  # the practice (FlowState.started) they said it in
    someone_asked_at: str | None = None  # when "Is there someone who can be with you?" was asked (open until answered)
    answered: str | None = None  # their answer to "Are you safe right now?": yes | no | unsure


@dataclass
class Entry:
    """One thing a person recorded: a mood, a thought record, a check-in, an activity.
    `data` (their words and scores alike) is stored as one encrypted payload."""

    id: int  # numbered per person
    kind: str
    at: str  # when it was recorded, ISO time, UTC
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Due:
    """Something to send later: a scheduled row holds ids and times, never text.

    `key` is unique per send for one person ("mood_prompt:2026-11-24": one a local day;
    "plan:12:2026-11-24T18:00": a rescheduled plan gets a new key), so nothing is sent twice.
    """

    key: str
    kind: str  # "mood_prompt" | "plan_reminder"
    due_at: str  # ISO time, UTC
    ref: int | None = None  # the entry it is about (a planned activity)


@dataclass
class Changes:
    """One update's outbox: what it changes beyond the person's own record. The store applies
    it together with that record, in one transaction, and the next update starts empty."""

    saves: list[Entry] = field(default_factory=list)  # entries to add or replace
    schedule: list[Due] = field(default_factory=list)  # to send later
    unschedule: list[tuple[str, int | None]] = field(default_factory=list)  # (kind, ref) not yet sent
    forget: list[int] = field(default_factory=list)  # entry ids to remove
    erase: bool = False  # remove everything about this person
    risk_events: list[dict[str, Any]] = field(default_factory=list)  # full responses given: time and kinds
    # When they came back after blocking the bot: their held reminders are due again (or missed).
    release_held: datetime | None = None


@dataclass
class UserState:
    """What is stored about one person, what one update loaded besides, and (`changes`)
    what the update changes beyond it."""

    user_id: int
    chat_id: int
    settings: Settings = field(default_factory=Settings)
    flow: FlowState | None = None
    active: bool = True
    last_update_id: int | None = None
    questions_asked: int = 0  # numbers each new question, so old keyboards can be told apart
    safety: Safety = field(default_factory=Safety)
    entries_made: int = 0  # numbers each new entry
    suspended: list[FlowState] = field(default_factory=list)  # practices a reminder interrupted
    # Loaded only when a step needs it (the journal, an export, a plan's suggestions):
    history: list[Entry] | None = None  # every entry, newest first
    extra: dict[str, Any] = field(default_factory=dict)  # more loaded for one command (an export)
    language: str = ""  # this update's language tag from their app (never stored): which countries first
    changes: Changes = field(default_factory=Changes)
    # The store's own note of their record as it was read or last written (opaque here): a
    # save writes only what changed since.
    stored: Any = field(default=None, repr=False, compare=False)

    def next_question(self) -> int:
        self.questions_asked += 1
        return self.questions_asked

    def new_entry(self, kind: str, at: str, data: dict[str, Any]) -> Entry:
        self.entries_made += 1
        return Entry(self.entries_made, kind, at, data)


class Invalid(Exception):
    """An answer that cannot be used; the template explains what would work."""

    def __init__(self, template: str, **variables: Any) -> None:
        super().__init__(template)
        self.template = template
        self.variables = variables


def written_or_skipped(field: str, tap_hint: str, skip: str = "skip") -> Callable[[Ctx, Answer], None]:
    """A reader for an answer they may type or skip: the words go in `field`, [Skip] leaves
    it None, and a tap on anything else gets `tap_hint` (a template saying what to do)."""

    def read(ctx: Ctx, answer: Answer) -> None:
        if answer.choice == skip:
            ctx.data[field] = None
            return
        if not answer.text:
            raise Invalid(tap_hint)
        ctx.data[field] = answer.text

    return read


@dataclass
class Ctx:
    """What a step sees: the person (`state`: settings, safety plan, entries), this flow's
    answers, content and time. What it records, schedules or forgets goes into the update's
    outbox (`state.changes`), which the store saves with the rest."""

    state: UserState
    data: dict[str, Any]
    content: Content
    now: datetime
    risk: frozenset[str] = frozenset()  # kinds of risk flagged so far in this practice (the engine notes them)
    records: tuple[str, ...] = ()  # the kinds of entry the practices keep (flows/registry.py)

    @classmethod
    def bare(cls, content: Content, now: datetime, settings: Settings | None = None, records: tuple[str, ...] = ()) -> Ctx:
        """A context with no one behind it (a group chat, a content check): nothing it
        changes is ever saved."""
        return cls(UserState(0, 0, settings=settings or Settings()), {}, content, now, records=records)

    @property
    def settings(self) -> Settings:
        return self.state.settings

    @property
    def safety_plan(self) -> dict[str, str]:
        """Their safety plan: section -> their own words."""
        return self.state.safety.plan

    @property
    def hidden(self) -> frozenset[str]:
        """The fields whose typed words screening flagged in this practice: never quoted back."""
        return frozenset(self.data.get(HIDDEN, []))

    def render(self, template: str, **variables: Any) -> str:
        return self.content.render(
            template, settings=self.settings, data=self.data, now=self.now, **variables
        )

    def button(self, key: str, **variables: Any) -> str:
        return self.content.button(key, **variables)

    # --- records ---------------------------------------------------------------------
    @property
    def keeps(self) -> bool:
        """Did they agree to keep their entries?"""
        return bool(self.settings.consent)

    def record(self, kind: str, data: dict[str, Any], *, always: bool = False) -> Entry:
        """A new entry, saved if they agreed to keep entries (or `always`: a planned
        activity is kept until its reminder is answered, whatever they chose)."""
        entry = self.state.new_entry(kind, self.now.isoformat(timespec="seconds"), data)
        if self.keeps or always:
            self.state.changes.saves.append(entry)
            if self.state.history is not None:
                self.state.history.insert(0, entry)
        return entry

    def update(self, entry: Entry) -> None:
        self.state.changes.saves.append(entry)

    def forget(self, entry: Entry) -> None:
        self.state.changes.forget.append(entry.id)
        if self.state.history is not None:
            self.state.history[:] = [e for e in self.state.history if e.id != entry.id]

    def erase_everything(self) -> None:
        """/delete, confirmed: every row about them goes when this update is saved."""
        self.state.changes.erase = True

    @property
    def history(self) -> list[Entry]:
        """Every entry, newest first (the flow or command must ask for it: `needs_history`)."""
        assert self.state.history is not None, "history was not loaded"
        return self.state.history

    def entry(self, entry_id: int, kind: str) -> Entry | None:
        """One of their own entries, or None (a forged or stale id)."""
        return next((e for e in self.history if e.id == entry_id and e.kind == kind), None)

    def schedule(self, due: Due) -> None:
        self.state.changes.schedule.append(due)

    def unschedule(self, kind: str, ref: int | None = None) -> None:
        self.state.changes.unschedule.append((kind, ref))

    def keep_in_step(self, kind: str, wanted: str | None, marker: str, first: Callable[[], Due | None]) -> None:
        """A recurring row follows the setting it comes from: when `wanted` (that setting as
        it should be scheduled, e.g. "20:00 Europe/London", or None: off) differs from what
        settings.<marker> says was scheduled, the row not yet sent goes and `first()` is made.
        (The same local date's key may already be used: one sent earlier today is not sent
        again at the new time.)"""
        if wanted == getattr(self.settings, marker):
            return
        self.unschedule(kind)
        setattr(self.settings, marker, wanted)
        following = first() if wanted else None
        if following:
            self.schedule(following)


@dataclass(frozen=True)
class Option:
    """A choice a step offers; the engine turns it into a button that answers this step.
    A choice can speak of risk as words can (a questionnaire's item on thoughts of death):
    `risk` names the kinds, and the engine answers it as it would those words."""

    value: str
    label: str
    risk: frozenset[str] = frozenset()


OptionRows = list[list[Option]]


@dataclass(frozen=True)
class Goto:
    """A parse's choice of where they go next (None: the practice ends), with any
    acknowledgements: a branch is returned, never left in flow data for a router to find."""

    step: str | None
    acks: tuple[Reply, ...] = ()


Acks = list[Reply] | Goto | None


class FlowError(Exception):
    """A flow that names a step it does not have, or goes where it did not declare."""


@dataclass(frozen=True)
class Step:
    """One question: a template, the options offered, how an answer is read, what follows.

    `parse` stores what it reads into ctx.data or ctx.settings and may return
    acknowledgements, or a `Goto` naming the next step; it raises `Invalid` with a specific
    re-prompt. `next` names the following step, or is a function choosing it from what the
    answers so far say; None ends the flow. `goes_to` declares every step a `Goto` or a
    function may choose (None: the end), so that each flow's graph is known and checked
    when it is built.
    """

    name: str
    template: str
    parse: Callable[[Ctx, Answer], Acks]
    next: str | Callable[[Ctx], str | None] | None
    options: Callable[[Ctx], OptionRows] = lambda ctx: []
    variables: Callable[[Ctx], dict[str, Any]] = lambda ctx: {}
    max_chars: int = 1000  # typed answers longer than this are refused kindly
    # A timed step: (seconds, option value) chosen for them when the time is up.
    timer: Callable[[Ctx], tuple[float, str] | None] = lambda ctx: None
    # A tap (or a timer) that keeps them on this step changes its message in place rather
    # than asking again below: a multi-select's toggles, an explanation, a paced phase.
    in_place: bool = False
    goes_to: tuple[str | None, ...] = ()  # where a `Goto` or a function `next` may lead
    # The field(s) its typed answer fills (an entry's or a setting's): when screening flags
    # the words, the engine marks these hidden, and nothing quotes them back.
    fills: str | tuple[str, ...] = ()
    # A question that only offers more ("Would you like to change a section?" under a plan
    # just shown): a command or a button answered meanwhile ends the practice quietly
    # instead of asking it again.
    optional: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.fills,) if isinstance(self.fills, str) else self.fills

    def next_step(self, ctx: Ctx, chosen: Goto | None = None) -> str | None:
        """Where they go after this step: a parse's `Goto`, else `next`; never somewhere undeclared."""
        following = chosen.step if chosen is not None else self.next(ctx) if callable(self.next) else self.next
        if following not in self.targets:
            raise FlowError(f"step {self.name!r} went to {following!r}, which it does not declare")
        return following

    @property
    def targets(self) -> frozenset[str | None]:
        """Every step this one may lead to (None: the end)."""
        return frozenset((*(() if callable(self.next) else (self.next,)), *self.goes_to))


@dataclass(frozen=True)
class Flow:
    """A practice or a setup dialogue started by a command.

    `begin` returns the opening messages and the first step's name (None: nothing to ask).
    `finish` returns the closing messages once the last step is answered.
    """

    name: str
    command: str | None  # None: started only from a button (a reminder's "Done")
    steps: dict[str, Step]
    begin: Callable[[Ctx], tuple[list[Reply], str | None]]
    finish: Callable[[Ctx], list[Reply]]
    needs_history: bool = False  # its steps read the person's entries (ctx.history)
    # What it says when left unfinished by /cancel (None: the general words).
    cancelled: Callable[[Ctx], list[Reply]] | None = None
    # Kinds of risk that end it at once, after the safety detour: `finish` then reads
    # ctx.risk and closes kindly (a thought record never challenges a wish to die).
    ends_on_risk: frozenset[str] = frozenset()
    # A practice to start when it ends (a lesson's [Try it now]), or None; with its starting
    # data as (name, data) (words they wrote, carried into a thought record).
    then: Callable[[Ctx], str | tuple[str, dict[str, Any]] | None] = lambda ctx: None

    # A practice where hard words are expected (a safety plan): risk the patterns or the model
    # find gets a footer naming /crisis rather than the full response, unless it names a
    # plan, means, time or act.
    expects_hard_words: bool = False
    # The steps `begin` may start on (empty: the first step listed).
    starts: tuple[str, ...] = ()

    @staticmethod
    def of(name: str, command: str | None, steps: list[Step], begin: Callable, finish: Callable, **more: Any) -> Flow:
        flow = Flow(name, command, {step.name: step for step in steps}, begin, finish, **more)
        flow.check()
        return flow

    @property
    def first_steps(self) -> tuple[str, ...]:
        return self.starts or tuple(self.steps)[:1]

    def check(self) -> None:
        """Every step it can reach exists, and every step can be reached: a typo in a
        branch fails when the flow is built, not when someone takes that branch."""
        for step in self.steps.values():
            if callable(step.next) and not step.goes_to:
                raise FlowError(f"{self.name}.{step.name}: a function chooses its next step; declare where it may go (goes_to)")
            missing = {t for t in step.targets if t is not None and t not in self.steps}
            if missing:
                raise FlowError(f"{self.name}.{step.name}: goes to {sorted(missing)}, which it does not have")
        unknown = [s for s in self.first_steps if s not in self.steps]
        if unknown:
            raise FlowError(f"{self.name}: starts on {unknown}, which it does not have")
        reached, waiting = set(self.first_steps), list(self.first_steps)
        while waiting:
            for target in self.steps[waiting.pop()].targets:
                if target is not None and target not in reached:
                    reached.add(target)
                    waiting.append(target)
        unreached = [name for name in self.steps if name not in reached]
        if unreached:
            raise FlowError(f"{self.name}: no way to reach {unreached}")

    def graph(self) -> str:
        """The flow as text, a step a line: "situation -> emotions | thought"."""
        lines = [f"{self.name} (starts on {', '.join(self.first_steps)})"]
        for step in self.steps.values():
            targets = sorted((t or "end" for t in step.targets), key=lambda t: (t == "end", t))
            lines.append(f"  {step.name} -> {' | '.join(targets)}")
        return "\n".join(lines)
