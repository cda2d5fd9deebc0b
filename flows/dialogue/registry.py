"""What the engine serves, declared once per practice.

A practice module declares a `Practice`: the flows it starts, the commands that answer at
once, the buttons that work at any moment, the messages it schedules and the kinds of
record it keeps. flows/registry.py lists the practices; the engine, the journal, /export
and /delete read the `Registry` built from that list, so none of them names a practice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flows.dialogue.core import Ctx, Due, Flow, Reply, Settings


@dataclass(frozen=True)
class Command:
    """A command answered at once, inside or outside a practice, which then carries on."""

    name: str
    answer: Callable[[Ctx, str], list[Reply]]  # (ctx, the words after the command)
    needs_history: bool = False  # reads their entries (the engine loads them first)
    loads: frozenset[str] = frozenset()  # more to load first: "risk_events", "scheduled"
    groups: bool = False  # answered in group chats too (with no state: nothing is stored there)


@dataclass(frozen=True)
class Pressed:
    """What a button press does: replies, and perhaps a practice to start."""

    replies: list[Reply]
    start: str | None = None  # a flow to start after the replies
    data: dict = field(default_factory=dict)  # that flow's starting data
    interrupting: bool = True  # the current practice waits to be picked up (False: it is left)


@dataclass(frozen=True)
class GlobalButton:
    """A button that works at any moment, whatever the current step: "g:<action>:<argument>"."""

    action: str
    press: Callable[[Ctx, str], Pressed]  # (ctx, argument)
    needs_history: bool = False
    groups: bool = False  # pressed in group chats too (with no state)


@dataclass(frozen=True)
class Reads:
    """What of a person's entries a scheduled send reads: never all of them, so that a nudge
    costs the same to someone with no history as to someone with a thousand entries."""

    row_entry: bool = False  # the entry the row is about (Due.ref): a plan, an experiment
    today: tuple[str, ...] = ()  # their entries of these kinds made today (their local day)

    def __bool__(self) -> bool:
        return self.row_entry or bool(self.today)


@dataclass(frozen=True)
class Scheduled:
    """A kind of scheduled row: what is sent when it falls due, what a missed one does (the
    bot was down too long to send it late) and what follows either."""

    kind: str
    send: Callable[[Ctx, Due], list[Reply]]
    missed: Callable[[Ctx, Due], None] = lambda ctx, due: None
    # The next one after this one was sent (after_today) or missed: a daily prompt.
    following: Callable[[datetime, Settings, bool], Due | None] | None = None
    reads: Reads = Reads()  # what of their entries `send` and `missed` read (ctx.history holds only that)
    # A recurring nudge backs off when ignored (flows/lib/backoff.py); [Stop them] calls this.
    stop: Callable[[Settings], None] | None = None


NextRow = Callable[[str, str | None, datetime, Settings, bool], Due | None]  # (kind, when, now, settings, after_today)


def recurring(
    kind: str, send: Callable[[Ctx, Due], list[Reply]], setting: str, marker: str, next_row: NextRow, reads: Reads = Reads()
) -> tuple[Scheduled, Callable[[Ctx], None]]:
    """A nudge that recurs at a time a setting holds ("20:00", "sun 20:00"): its Scheduled
    kind (it backs off when ignored; [Stop them] turns the setting off) and the after-update
    hook that keeps its next row in step when the setting or their time zone changes
    (`marker` names the setting field that remembers what was scheduled)."""

    def following(now: datetime, settings: Settings, after_today: bool = False) -> Due | None:
        return next_row(kind, getattr(settings, setting), now, settings, after_today)

    def keep_in_step(ctx: Ctx) -> None:
        s, when = ctx.settings, getattr(ctx.settings, setting)
        wanted = f"{when} {s.timezone or 'UTC'}" if when and s.onboarded else None
        ctx.keep_in_step(kind, wanted, marker, lambda: following(ctx.now, s))

    def stop(settings: Settings) -> None:
        setattr(settings, setting, None)

    return Scheduled(kind, send, following=following, reads=reads, stop=stop), keep_in_step


@dataclass(frozen=True)
class Practice:
    """Everything one practice adds to the bot."""

    flows: tuple[Flow, ...] = ()
    commands: tuple[Command, ...] = ()
    buttons: tuple[GlobalButton, ...] = ()
    scheduled: tuple[Scheduled, ...] = ()
    records: tuple[str, ...] = ()  # kinds of entry it keeps: the journal, /export and /delete show them
    # Run after every update with the person's state, whatever they did (e.g. keeping a
    # scheduled prompt in step with a changed setting).
    after_update: tuple[Callable[[Ctx], None], ...] = ()
    # Templates it renders beyond its steps' (a lesson's pages), checked at start-up.
    templates: Callable[[Any], list[str]] | None = None
    # What answers words typed when no practice is running (one practice at most): (ctx, text).
    listens: Callable[[Ctx, str], Pressed] | None = None


class RegistryError(Exception):
    """Two practices claim the same name, or a declaration is incomplete."""


@dataclass(frozen=True)
class Registry:
    """Every practice's declarations, indexed: what the engine reads."""

    flows: dict[str, Flow]
    flow_commands: dict[str, Flow]
    commands: dict[str, Command]
    buttons: dict[str, GlobalButton]
    scheduled: dict[str, Scheduled]
    records: tuple[str, ...]
    after_update: tuple[Callable[[Ctx], None], ...]
    templates: tuple[Callable[[Any], list[str]], ...] = ()
    listens: Callable[[Ctx, str], Pressed] | None = None  # words typed when no practice is running

    @classmethod
    def of(cls, *practices: Practice) -> Registry:
        flows: dict[str, Flow] = {}
        commands: dict[str, Command] = {}
        buttons: dict[str, GlobalButton] = {}
        scheduled: dict[str, Scheduled] = {}
        records: list[str] = []
        for practice in practices:
            for flow in practice.flows:
                _add(flows, flow.name, flow, "flow")
            for command in practice.commands:
                _add(commands, command.name, command, "command")
            for button in practice.buttons:
                _add(buttons, button.action, button, "button")
            for kind in practice.scheduled:
                _add(scheduled, kind.kind, kind, "scheduled kind")
            for record in practice.records:
                if record in records:
                    raise RegistryError(f"record kind {record!r} is declared twice")
                records.append(record)
        flow_commands = {flow.command: flow for flow in flows.values() if flow.command}
        clash = set(flow_commands) & set(commands)
        if clash:
            raise RegistryError(f"both a flow and a command answer /{', /'.join(sorted(clash))}")
        hooks = tuple(hook for practice in practices for hook in practice.after_update)
        templates = tuple(p.templates for p in practices if p.templates is not None)
        listeners = [p.listens for p in practices if p.listens is not None]
        if len(listeners) > 1:
            raise RegistryError("more than one practice answers words typed outside a practice")
        listens = listeners[0] if listeners else None
        return cls(flows, flow_commands, commands, buttons, scheduled, tuple(records), hooks, templates, listens)

    def replacing(self, flow: Flow) -> Registry:
        """The same, with `flow` in place of the flow of its name (a test tries a flow so)."""
        flows = {**self.flows, flow.name: flow}
        return replace(self, flows=flows, flow_commands={f.command: f for f in flows.values() if f.command})

    @property
    def command_names(self) -> list[str]:
        return [*self.flow_commands, *self.commands]


def _add(table: dict, name: str, item: object, what: str) -> None:
    if name in table:
        raise RegistryError(f"{what} {name!r} is declared twice")
    table[name] = item
