"""The dialogue engine: one input in, a state change and replies out.

It is the single front door for everything a person does. For each input it loads the
person's state, screens any text they sent, routes the input (a command, a button, an
answer to the current step), saves the new state and returns the replies. Adapters
(Telegram, console) only translate. Work for one person is serialised, and an update_id
that was already handled is ignored, so a redelivered update is not answered twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta, timezone
from typing import Protocol
from weakref import WeakValueDictionary

from flows.dialogue import safety
from flows.dialogue.core import (
    Answer,
    Button,
    Ctx,
    Due,
    Entry,
    Flow,
    FlowState,
    Goto,
    Incoming,
    Invalid,
    Reply,
    Step,
    Timer,
    UserState,
)
from flows.dialogue.detour import SafetyDetour, plain
from flows.dialogue.registry import Pressed, Reads, Registry
from flows.lib import backoff, schedule
from flows.lib.content import Content
from flows.lib.risk_screen import ASK, RESPOND

log = logging.getLogger(__name__)

GLOBAL = "g"  # prefix of buttons that work at any moment, whatever the current step
LONG_PASTE_CHARS = 4000  # Telegram splits longer pastes; the parts that follow are one answer
LONG_PASTE_WINDOW = timedelta(seconds=10)  # typed words this soon after a long paste are not read
PASTE_TAIL = timedelta(seconds=3)  # a part this soon after the last long part is that paste's own rest
PASTE_OVER = "paste"  # a timer's data: a long paste's window is over (what it dropped is said then)


@dataclass
class _Paste:
    """A long paste's window: until when typed words are not read, when its last long part
    came, and how many messages of theirs (not the paste's own parts) it dropped."""

    until: datetime
    last_part: datetime
    dropped: int = field(default=0)


class Store(Protocol):
    """What the engine needs from storage (bot/storage.py implements it)."""

    async def load(self, user_id: int, chat_id: int, update_id: int | None = None) -> UserState: ...

    async def save(self, state: UserState) -> None: ...

    async def history(self, user_id: int) -> list[Entry]: ...

    async def entries(self, user_id: int, ids: tuple[int, ...], kinds: tuple[str, ...], since: datetime) -> list[Entry]: ...

    async def risk_events(self, user_id: int) -> list[dict]: ...

    async def scheduled(self, user_id: int) -> list[dict]: ...

    def person(self, user_id: int) -> AbstractAsyncContextManager[None]: ...


# Sends replies to the person; returns False when they cannot be reached (they blocked the bot).
Deliver = Callable[[list[Reply]], Awaitable[bool]]


async def _keep(replies: list[Reply]) -> bool:
    return True


@dataclass(frozen=True)
class BotIdentity:
    """Facts about the bot itself that replies may need (its @username, for a link)."""

    username: str = "CBTCompanionBot"

    @property
    def link(self) -> str:
        return f"https://t.me/{self.username}"


def missing_content(registry: Registry, content: Content) -> list[str]:
    """What the practices name that content/ lacks: a step's template, or for a kind of
    record its names (records.toml), its journal template and its journal filter's label."""
    missing = [
        f"templates/{step.template}.html ({flow.name}.{step.name})"
        for flow in registry.flows.values()
        for step in flow.steps.values()
        if not content.has_template(step.template)
    ]
    for named in registry.templates:
        missing += [f"templates/{name}.html" for name in named(content) if not content.has_template(name)]
    for scheduled in registry.scheduled.values():
        if scheduled.stop is not None and not content.has_button(f"nudge_{scheduled.kind}"):
            missing.append(f"buttons.toml nudge_{scheduled.kind}")
    for kind in registry.records:
        if kind not in content.records:
            missing.append(f"records.toml [{kind}]")
        if not content.has_template(f"journal/{kind}"):
            missing.append(f"templates/journal/{kind}.html")
        if not content.has_button(f"journal_{kind}"):
            missing.append(f"buttons.toml journal_{kind}")
    return missing


class Engine(SafetyDetour):
    def __init__(
        self,
        store: Store,
        content: Content,
        registry: Registry,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        bot: BotIdentity = BotIdentity(),
    ) -> None:
        self.store = store
        self.content = content
        self.registry = registry
        self.flows = registry.flows
        # A flow without a command is started by a button (rating a planned activity).
        self.flow_commands = registry.flow_commands
        self.clock = clock
        self.bot = bot
        self._locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()
        self._pastes: dict[int, _Paste] = {}
        unknown = set(self.command_names) ^ set(content.command_names)
        if unknown:
            raise ValueError(f"commands and content/commands.toml disagree about: {sorted(unknown)}")
        missing = missing_content(registry, content)
        if missing:
            raise ValueError("content is missing what the practices name: " + "; ".join(missing))

    @property
    def command_names(self) -> list[str]:
        return [*self.registry.command_names, "cancel"]

    # ----------------------------------------------------------------- front door

    async def handle(self, incoming: Incoming, deliver: Deliver = _keep) -> list[Reply]:
        """Answer one input and hand the replies to `deliver`, in order, one person at a time.

        Delivery happens while the person's lock is held, so the replies to two quick
        messages never interleave. Never raises for anything a person can type or press.
        """
        if not incoming.private:
            replies = self._group_chat(incoming)
            await deliver(replies)
            return replies
        async with self._lock(incoming.user_id), self.store.person(incoming.user_id):
            state = await self.store.load(incoming.user_id, incoming.chat_id, incoming.update_id)
            if (
                incoming.update_id is not None
                and state.last_update_id is not None
                and incoming.update_id <= state.last_update_id
            ):
                log.info("ignored repeated update %s", incoming.update_id)
                await deliver([])
                return []
            state.chat_id = incoming.chat_id
            state.language = incoming.language
            if not state.active and incoming.kind != "blocked":
                state.changes.release_held = self.clock()  # back after blocking the bot: their reminders resume
            state.active = incoming.kind != "blocked"
            if incoming.update_id is not None:
                state.last_update_id = incoming.update_id
            await self._load_what_is_needed(state, incoming)
            if incoming.kind == "command":  # a command moves on from "Is there someone ...?"
                state.safety.someone_asked_at = None
            if incoming.kind != "blocked":  # anything they do resets every nudge's back-off
                backoff.seen(state.settings)
            finding = await self._screen(state, incoming)
            if finding.level == RESPOND:
                replies = self._risk(state, incoming, finding.kinds)
            elif finding.level == ASK and incoming.kind == "command":  # the command still runs
                replies = [*self._route(state, incoming), *self._ask(state, incoming, finding)]
            elif finding.level == ASK:
                replies = self._ask(state, incoming, finding)
            else:
                replies = self._route(state, incoming)
            self._after_update(state)
            await self.store.save(state)
            if not await deliver(replies):
                log.info("user %s cannot be reached; marked inactive", incoming.user_id)
                state.active = False
                await self.store.save(state)
            return replies

    async def nudge(self, user_id: int, chat_id: int, due: Due, deliver: Deliver = _keep) -> list[Reply]:
        """Send something that fell due (a claimed scheduled row), one person at a time."""
        scheduled = self.registry.scheduled.get(due.kind)
        if scheduled is None:
            log.warning("nothing sends scheduled rows of kind %s", due.kind)
            return []
        async with self._lock(user_id), self.store.person(user_id):
            state = await self.store.load(user_id, chat_id)
            await self._load_what_it_reads(state, scheduled.reads, due)
            replies = self._backed_off(state, due) if scheduled.stop else scheduled.send(self._ctx(state), due)
            self._schedule_following(state, due, after_today=True)
            await self.store.save(state)
            if replies and not await deliver(replies):
                state.active = False
                await self.store.save(state)
            return replies

    async def missed(self, user_id: int, chat_id: int, due: Due) -> None:
        """Something fell due while the bot was down too long to send it late."""
        scheduled = self.registry.scheduled.get(due.kind)
        if scheduled is None:
            return
        async with self._lock(user_id), self.store.person(user_id):
            state = await self.store.load(user_id, chat_id)
            await self._load_what_it_reads(state, scheduled.reads, due)
            scheduled.missed(self._ctx(state), due)
            self._schedule_following(state, due, after_today=False)
            await self.store.save(state)

    async def _load_what_it_reads(self, state: UserState, reads: Reads, due: Due) -> None:
        """A scheduled send's few entries (ctx.history holds only those): the row's own
        entry, and the entries of the kinds it checks made today, their local day."""
        if reads:
            ids = (due.ref,) if reads.row_entry and due.ref is not None else ()
            today = schedule.local_date(self.clock(), state.settings)
            since = schedule.at_local(today, time(0), state.settings)
            state.history = await self.store.entries(state.user_id, ids, reads.today, since)

    def _backed_off(self, state: UserState, due: Due) -> list[Reply]:
        """A recurring nudge, as the back-off rules allow (flows/lib/backoff.py)."""
        now, settings = self.clock(), state.settings
        verdict = backoff.verdict(settings, due.kind)
        if verdict == backoff.PAUSE:
            backoff.paused(settings, due.kind)
            keep = Button(self.content.button("nudges_keep"), data=f"{GLOBAL}:nudges:keep:{due.kind}")
            stop = Button(self.content.button("nudges_stop"), data=f"{GLOBAL}:nudges:stop:{due.kind}")
            return [Reply(self.content.render("nudge/paused", name=self.content.button(f"nudge_{due.kind}")), ((keep, stop),))]
        if verdict == backoff.SKIP:
            backoff.skipped(settings, due.kind)
        if verdict != backoff.SEND:
            return []
        replies = self.registry.scheduled[due.kind].send(self._ctx(state), due)
        if replies:
            backoff.sent(settings, due.kind, now)
        return replies

    def _schedule_following(self, state: UserState, due: Due, after_today: bool) -> None:
        """A repeating row (a daily prompt), sent or missed, makes way for the next one."""
        following = self.registry.scheduled[due.kind].following
        after = following(self.clock(), state.settings, after_today) if following else None
        if after:
            state.changes.schedule.append(after)

    async def current_prompt(self, user_id: int, chat_id: int) -> list[Reply]:
        """The question the person is on, if any: for picking up after an error or a restart."""
        async with self._lock(user_id), self.store.person(user_id):
            state = await self.store.load(user_id, chat_id)
            return self._current_prompt(state)

    def _lock(self, user_id: int) -> asyncio.Lock:
        """One input for this person at a time in this process; across the processes sharing
        a PostgreSQL database the store's lock (`store.person`, taken inside this one) does
        the same, so this process asks the database once per person at a time."""
        lock = self._locks.get(user_id)
        if lock is None:
            lock = self._locks[user_id] = asyncio.Lock()
        return lock

    # ------------------------------------------------------------ what is loaded

    async def _load_what_is_needed(self, state: UserState, incoming: Incoming) -> None:
        """Their entries, only for what reads them (a journal page, an export, a plan), and
        what a command says it loads (an export: the risk responses and the reminders)."""
        if self._needs_history(state, incoming):
            state.history = await self.store.history(state.user_id)
        command = self.registry.commands.get(incoming.command) if incoming.kind == "command" else None
        if command is not None and command.loads:
            loaders = {"risk_events": self.store.risk_events, "scheduled": self.store.scheduled}
            state.extra = {name: await loaders[name](state.user_id) for name in sorted(command.loads)}

    def _needs_history(self, state: UserState, incoming: Incoming) -> bool:
        if incoming.kind == "command":
            wanted = self.flow_commands.get(incoming.command) or self.registry.commands.get(incoming.command)
            if wanted is not None and wanted.needs_history:
                return True
        if incoming.kind == "button" and incoming.data.startswith(f"{GLOBAL}:"):
            button = self.registry.buttons.get(incoming.data.split(":")[1])
            if button is not None and button.needs_history:
                return True
        flows = [state.flow, *state.suspended]
        return any(f is not None and self.flows[f.name].needs_history for f in flows)

    def _after_update(self, state: UserState) -> None:
        """What practices keep in step after any update (a prompt moved with a new setting)."""
        ctx = self._ctx(state)
        for hook in self.registry.after_update:
            hook(ctx)

    # -------------------------------------------------------------------- routing

    def _route(self, state: UserState, incoming: Incoming, risk: frozenset[str] = frozenset()) -> list[Reply]:
        kind = incoming.kind
        if kind in ("blocked", "unblocked"):
            return []
        # A tap or a timer names its message: a step that stays put can change it in place.
        in_place = incoming.message_id is not None
        if kind in ("command", "button"):  # either ends a long paste's window at once
            missed = self._paste_over(state.user_id)
            if kind == "command":
                return [*missed, *self._command(state, incoming.command, incoming.args)]
            return [*missed, *self._button(state, incoming.data, in_place)]
        if kind == "timer" and incoming.data == PASTE_OVER:
            return self._paste_over(state.user_id)
        if kind == "timer":  # a timed step's time is up: moves on only if they have not
            prefix, _, value = incoming.data.partition(":")
            if state.flow is None or prefix != str(state.flow.seq):
                return []
            return self._answer(state, Answer(choice=value), in_place)
        if kind == "edited":
            return [self._say("general/edited")]
        if kind == "media":
            return [self._say("general/media", media=incoming.media), *self._current_prompt(state)]
        return self._text(state, incoming.text, risk)

    def _command(self, state: UserState, name: str, args: str) -> list[Reply]:
        if name in self.flow_commands:  # the words after it are the flow's to read ("/plan list")
            return self._start_flow(state, self.flow_commands[name], data={"args": args.strip()} if args.strip() else None)
        if name == "cancel":
            return self._cancel(state)
        command = self.registry.commands.get(name)
        if command is None:
            return [self._say("general/unknown_command", command=name), *self._current_prompt(state)]
        # Answered at once; the flow stays where it was and its question is asked again
        # (an optional one is left).
        self._leave_optional(state)
        return [*command.answer(self._ctx(state), args), *self._current_prompt(state)]

    def _button(self, state: UserState, data: str, in_place: bool = False) -> list[Reply]:
        prefix, _, value = data.partition(":")
        if prefix == GLOBAL:
            return self._global_button(state, value)
        flow = state.flow
        if flow is None or prefix != str(flow.seq):
            return [self._say("general/stale_button", in_flow=state.flow is not None), *self._current_prompt(state)]
        step = self.flows[flow.name].steps[flow.step]
        chosen = next((o for row in step.options(self._ctx(state)) for o in row if o.value == value), None)
        if chosen is not None and chosen.risk:  # a choice that speaks of risk: the same detour as words
            return self._risk(state, None, chosen.risk, choice=value)
        return self._answer(state, Answer(choice=value), in_place)

    def _global_button(self, state: UserState, value: str) -> list[Reply]:
        action, _, argument = value.partition(":")
        detour = self._detour_button(state, action, argument)
        if detour is not None:
            return detour
        if action == "nudges":  # a paused nudge's [Keep them coming] or [Stop them]
            return self._nudges_button(state, argument)
        button = self.registry.buttons.get(action)
        if button is None:
            return [self._say("general/stale_button", in_flow=state.flow is not None), *self._current_prompt(state)]
        return self._pressed(state, button.press(self._ctx(state), argument))

    def _nudges_button(self, state: UserState, argument: str) -> list[Reply]:
        choice, _, kind = argument.partition(":")
        scheduled = self.registry.scheduled.get(kind)
        if choice == "stop" and scheduled is not None and scheduled.stop is not None:
            scheduled.stop(state.settings)  # after_update hooks then unschedule what is left
            return [self._say("nudge/stopped", name=self.content.button(f"nudge_{kind}")), *self._current_prompt(state)]
        return [self._say("nudge/kept"), *self._current_prompt(state)]  # seen() already reset it

    def _pressed(self, state: UserState, pressed: Pressed) -> list[Reply]:
        if pressed.start is None:
            self._leave_optional(state)
            return [*pressed.replies, *self._current_prompt(state)]
        state.safety.someone_asked_at = None  # starting a practice moves on from "Is there someone ...?"
        started = self._start_flow(state, self.flows[pressed.start], interrupting=pressed.interrupting, data=pressed.data)
        return [*pressed.replies, *started]

    def _text(self, state: UserState, text: str, risk: frozenset[str] = frozenset()) -> list[Reply]:
        if self._awaiting_someone(state) and not risk:
            no_one = bool(self.content.risk_screen.cues.found(text) & {"no_one"}) or plain(text) in self.content.choices["no_words"]
            return safety.answer_someone(self._ctx(state), state, no_one, in_flow=self._carries_on(state))
        if state.safety.question is not None and not risk:
            answered = self._typed_while_asked(state, text)
            if answered is not None:
                return answered
        now, long = self.clock(), len(text) >= LONG_PASTE_CHARS
        paste = self._pastes.get(state.user_id)
        if paste is not None and paste.until > now:
            if now - paste.last_part <= PASTE_TAIL:  # the rest of a split paste: answered once already
                paste.last_part = now if long else paste.last_part
                return []
            if not long:  # not read now; said once when the window ends
                paste.dropped += 1
                return []
        missed = self._paste_over(state.user_id)
        if long:
            self._pastes[state.user_id] = _Paste(until=now + LONG_PASTE_WINDOW, last_part=now)
            over = Timer(LONG_PASTE_WINDOW.total_seconds(), PASTE_OVER)
            refused = Reply(self.content.render("general/too_long_paste"), after=over)
            return [*missed, refused, *self._current_prompt(state)]
        if state.flow is None:
            return [*missed, *self._idle(state, text.strip(), risk)]
        return [*missed, *self._answer(state, Answer(text=text.strip(), risk=risk))]

    def _paste_over(self, user_id: int) -> list[Reply]:
        """A long paste's window ends: if it dropped anything of theirs, that is said, once."""
        paste = self._pastes.pop(user_id, None)
        return [self._say("general/paste_missed")] if paste is not None and paste.dropped else []

    def _idle(self, state: UserState, text: str, risk: frozenset[str]) -> list[Reply]:
        """Words typed when no practice is running: the practice that listens answers them
        with templated words that fit (a greeting, a call for help, a longer message).
        Words the screen flagged have had the safety detour's answer already."""
        if risk or self.registry.listens is None:
            return [self._say("general/idle_text")]
        return self._pressed(state, self.registry.listens(self._ctx(state), text))

    # ---------------------------------------------------------------------- flows

    def _start_flow(self, state: UserState, flow: Flow, interrupting: bool = False, data: dict | None = None) -> list[Reply]:
        # Starting a practice leaves the current one; it is not saved as complete. A flow with
        # nothing to ask (a welcome back) leaves the current one where it was. An
        # interrupting one (rating a planned activity from its reminder) keeps the current
        # one waiting, to pick up when it ends.
        current = state.flow
        if interrupting and current is not None:
            state.suspended.append(current)
        elif not interrupting:
            state.suspended.clear()
        seq = state.next_question()
        state.flow = FlowState(flow.name, step="", seq=seq, data=dict(data or {}), started=seq)
        ctx = self._ctx(state)
        replies, first = flow.begin(ctx)
        if first is None:
            state.flow = current
            if interrupting and current is not None:
                state.suspended.pop()
            return [*replies, *self._current_prompt(state)]
        state.flow.step = first
        return [*replies, self._prompt(state)]

    def _cancel(self, state: UserState) -> list[Reply]:
        if state.flow is None:
            return [self._say("general/cancel_idle")]
        flow = self.flows[state.flow.name]
        ctx = self._ctx(state)
        said = flow.cancelled(ctx) if flow.cancelled else [self._say("general/cancelled", keeps=state.settings.consent)]
        state.flow = state.suspended.pop() if state.suspended else None
        return [*said, *self._current_prompt(state)]

    def _answer(self, state: UserState, answer: Answer, in_place: bool = False) -> list[Reply]:
        """Their answer to the step they are on. `in_place`: it came from a message (a tap, a
        timer) that an `in_place` step, staying put, changes rather than asking again."""
        assert state.flow is not None
        flow = self.flows[state.flow.name]
        step = flow.steps[state.flow.step]
        ctx = self._ctx(state)
        ends = bool(answer.risk & flow.ends_on_risk)
        # The question's words as they stood, to tell whether only its buttons change (after
        # a typed answer was refused, the refusal's words stay until the question's change).
        shown = self._prompt(state).text if in_place and step.in_place else None
        try:
            if answer.text is not None and len(answer.text) > step.max_chars:
                raise Invalid("general/too_long", limit=step.max_chars)
            parsed = step.parse(ctx, answer)
        except Invalid as invalid:
            if not ends:
                text = ctx.render(invalid.template, **invalid.variables)
                return [Reply(text, self._buttons(step, ctx, state.flow.seq))]
            parsed = None  # words where a number was asked: they still count, and end the practice
        chosen = parsed if isinstance(parsed, Goto) else None
        acks = list(chosen.acks) if chosen is not None else parsed or []
        following = None if ends else step.next_step(ctx, chosen)
        if following is None:
            after = None if ends else flow.then(ctx)
            state.flow = state.suspended.pop() if state.suspended else None
            closing = [*acks, *flow.finish(ctx)]
            if after is not None:  # it ends in another practice: the one it was in is left
                name, data = (after, None) if isinstance(after, str) else after
                return [*closing, *self._start_flow(state, self.flows[name], data=data)]
            return [*closing, *self._current_prompt(state)]
        state.flow.step = following
        state.flow.seq = state.next_question()
        prompt = self._prompt(state)
        if shown is not None and following == step.name and not acks:
            prompt = replace(prompt, edit="buttons" if prompt.text == shown else "text")
        return [*acks, prompt]

    def _leave_optional(self, state: UserState) -> None:
        """Something else was asked for while they were on an optional question: it is not
        asked again, and its practice ends as it stands (one it interrupted comes back)."""
        if state.flow is not None and self.flows[state.flow.name].steps[state.flow.step].optional:
            state.flow = state.suspended.pop() if state.suspended else None

    def _current_prompt(self, state: UserState) -> list[Reply]:
        return [self._prompt(state)] if state.flow else []

    def _prompt(self, state: UserState) -> Reply:
        assert state.flow is not None
        step = self.flows[state.flow.name].steps[state.flow.step]
        ctx = self._ctx(state)
        timer = step.timer(ctx)
        after = Timer(timer[0], f"{state.flow.seq}:{timer[1]}") if timer else None
        return Reply(ctx.render(step.template, **step.variables(ctx)), self._buttons(step, ctx, state.flow.seq), after=after)

    def _buttons(self, step: Step, ctx: Ctx, seq: int) -> tuple[tuple[Button, ...], ...]:
        return tuple(
            tuple(Button(option.label, data=f"{seq}:{option.value}") for option in row)
            for row in step.options(ctx)
        )

    # -------------------------------------------------------------------- helpers

    def _ctx(self, state: UserState) -> Ctx:
        data = state.flow.data if state.flow else {}
        risk = frozenset(state.flow.risk) if state.flow else frozenset()
        return Ctx(state, data, self.content, self.clock(), risk, self.registry.records)

    def _say(self, template: str, **variables: object) -> Reply:
        return Reply(self.content.render(template, **variables))

    def _group_chat(self, incoming: Incoming) -> list[Reply]:
        """Groups get the commands and buttons meant for them (/crisis) and a pointer to a
        private chat for the rest; nothing is stored."""
        ctx = Ctx.bare(self.content, self.clock(), records=self.registry.records)
        ctx.state.language = incoming.language  # countries to tap, the likeliest first
        if incoming.kind == "command":
            command = self.registry.commands.get(incoming.command)
            if command is not None and command.groups:
                return command.answer(ctx, incoming.args)
            link = Button(self.content.button("open_private_chat"), url=self.bot.link)
            return [Reply(self.content.render("general/group_chat"), ((link,),))]
        if incoming.kind == "button":
            prefix, _, value = incoming.data.partition(":")
            action, _, argument = value.partition(":")
            button = self.registry.buttons.get(action)
            if prefix == GLOBAL and button is not None and button.groups:
                return button.press(ctx, argument).replies
        return []
