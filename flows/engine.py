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
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol
from weakref import WeakValueDictionary

from flows import commands, crisis, nudges, safety, schedule
from flows.content import Content
from flows.core import (
    HIDDEN,
    Answer,
    Button,
    Ctx,
    Due,
    Entry,
    Flow,
    FlowState,
    Incoming,
    Invalid,
    Reply,
    Settings,
    Step,
    Timer,
    UserState,
)

log = logging.getLogger(__name__)

GLOBAL = "g"  # prefix of buttons that work at any moment, whatever the current step
LONG_PASTE_CHARS = 4000  # Telegram splits longer pastes; the parts that follow are one answer
LONG_PASTE_WINDOW = timedelta(seconds=10)


class Store(Protocol):
    """What the engine needs from storage (bot/storage.py implements it)."""

    async def load(self, user_id: int, chat_id: int) -> UserState: ...

    async def save(self, state: UserState) -> None: ...

    async def history(self, user_id: int) -> list[Entry]: ...

    async def risk_events(self, user_id: int) -> list[dict]: ...

    async def scheduled(self, user_id: int) -> list[dict]: ...


# Sends replies to the person; returns False when they cannot be reached (they blocked the bot).
Deliver = Callable[[list[Reply]], Awaitable[bool]]


async def _keep(replies: list[Reply]) -> bool:
    return True


@dataclass(frozen=True)
class Bot:
    """Facts about the bot itself that replies may need."""

    username: str = "CBTCompanionBot"

    @property
    def link(self) -> str:
        return f"https://t.me/{self.username}"


class Engine:
    def __init__(
        self,
        store: Store,
        content: Content,
        flows: list[Flow],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        bot: Bot = Bot(),
    ) -> None:
        self.store = store
        self.content = content
        self.flows = {flow.name: flow for flow in flows}
        # A flow without a command is started by a button (rating a planned activity).
        self.flow_commands = {flow.command: flow for flow in flows if flow.command}
        self.clock = clock
        self.bot = bot
        self._locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()
        self._long_paste_until: dict[int, datetime] = {}
        unknown = set(self.command_names) ^ set(content.command_names)
        if unknown:
            raise ValueError(f"commands and content/commands.toml disagree about: {sorted(unknown)}")

    @property
    def command_names(self) -> list[str]:
        return [*self.flow_commands, *commands.INTERRUPTS, "cancel"]

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
        async with self._lock(incoming.user_id):
            state = await self.store.load(incoming.user_id, incoming.chat_id)
            if (
                incoming.update_id is not None
                and state.last_update_id is not None
                and incoming.update_id <= state.last_update_id
            ):
                log.info("ignored repeated update %s", incoming.update_id)
                await deliver([])
                return []
            state.chat_id = incoming.chat_id
            state.active = incoming.kind != "blocked"
            if incoming.update_id is not None:
                state.last_update_id = incoming.update_id
            await self._load_what_is_needed(state, incoming)
            kinds = self.content.screener.screen(incoming.text) if incoming.text else frozenset()
            replies = self._risk(state, incoming, kinds) if kinds else self._route(state, incoming)
            if not state.settings.consent and not self._in_flow(state, "safetyplan"):
                state.safety.plan = {}  # without consent, nothing they write outlives the practice
            self._keep_prompt_scheduled(state)
            await self.store.save(state)
            if not await deliver(replies):
                log.info("user %s cannot be reached; marked inactive", incoming.user_id)
                state.active = False
                await self.store.save(state)
            return replies

    async def nudge(self, user_id: int, chat_id: int, due: Due, deliver: Deliver = _keep) -> list[Reply]:
        """Send something that fell due (a claimed scheduled row), one person at a time."""
        async with self._lock(user_id):
            state = await self.store.load(user_id, chat_id)
            state.history = await self.store.history(user_id)
            replies = nudges.replies(self._ctx(state), due)
            self._schedule_following(state, due, after_today=True)
            await self.store.save(state)
            if replies and not await deliver(replies):
                state.active = False
                await self.store.save(state)
            return replies

    async def missed(self, user_id: int, chat_id: int, due: Due) -> None:
        """Something fell due while the bot was down too long to send it late."""
        async with self._lock(user_id):
            state = await self.store.load(user_id, chat_id)
            state.history = await self.store.history(user_id)
            nudges.missed(self._ctx(state), due)
            self._schedule_following(state, due, after_today=False)
            await self.store.save(state)

    def _schedule_following(self, state: UserState, due: Due, after_today: bool) -> None:
        """A daily prompt, sent or missed, makes way for the next one."""
        if due.kind == "mood_prompt":
            following = schedule.next_mood_prompt(self.clock(), state.settings, after_today=after_today)
            if following:
                state.schedule.append(following)

    async def current_prompt(self, user_id: int, chat_id: int) -> list[Reply]:
        """The question the person is on, if any: for picking up after an error or a restart."""
        async with self._lock(user_id):
            state = await self.store.load(user_id, chat_id)
            return self._current_prompt(state)

    def _lock(self, user_id: int) -> asyncio.Lock:
        lock = self._locks.get(user_id)
        if lock is None:
            lock = self._locks[user_id] = asyncio.Lock()
        return lock

    # ------------------------------------------------------------ what is loaded

    async def _load_what_is_needed(self, state: UserState, incoming: Incoming) -> None:
        """Their entries, only for what reads them (a journal page, an export, a plan)."""
        if self._needs_history(state, incoming):
            state.history = await self.store.history(state.user_id)
        if incoming.kind == "command" and incoming.command == "export":
            state.extra = {
                "risk_events": await self.store.risk_events(state.user_id),
                "scheduled": await self.store.scheduled(state.user_id),
            }

    def _needs_history(self, state: UserState, incoming: Incoming) -> bool:
        if incoming.kind == "command":
            flow = self.flow_commands.get(incoming.command)
            return flow.needs_history if flow else incoming.command in commands.NEEDS_HISTORY
        if incoming.kind == "button" and incoming.data.startswith(f"{GLOBAL}:"):
            action = incoming.data.split(":")[1] if incoming.data.count(":") else ""
            if action in nudges.NEEDS_HISTORY or action in commands.BUTTONS_NEEDING_HISTORY:
                return True
        flows = [state.flow, *state.suspended]
        return any(f is not None and self.flows[f.name].needs_history for f in flows)

    def _keep_prompt_scheduled(self, state: UserState) -> None:
        """When their check-in time or time zone changes, the daily prompt moves at once."""
        settings = state.settings
        wanted = schedule.prompt_setting(settings) if settings.onboarded else None
        if wanted == settings.prompt_for:
            return
        state.unschedule.append(("mood_prompt", None))
        settings.prompt_for = wanted
        following = schedule.next_mood_prompt(self.clock(), settings) if wanted else None
        if following:
            # The same local date's key may already be used: a prompt sent earlier today
            # is not sent again at the new time.
            state.schedule.append(following)

    # --------------------------------------------------------------------- safety

    def _risk(self, state: UserState, incoming: Incoming, kinds: frozenset[str]) -> list[Reply]:
        """Screening found risk: answer that first. Their words still count as their answer,
        but are marked so that nothing ever quotes them back."""
        now = self.clock()
        if self._in_flow(state, "safetyplan") and "plan" not in kinds:
            # Writing a safety plan means writing about hard times: a footer, not an alarm.
            return [*self._route(state, incoming), self._say("safety/plan_footer")]
        response = safety.respond(self._ctx(state), state, kinds, now)
        if safety.severity(kinds) and state.settings.consent:
            state.new_risk_events.append({"at": now.isoformat(timespec="seconds"), "kinds": sorted(kinds)})
        if state.flow and incoming.kind == "text":
            # Marked before the step reads it, so that the step, the flow's finish and what
            # it records all know: these words are never quoted back.
            state.flow.data.setdefault(HIDDEN, []).append(state.flow.step)
        before = state.flow
        routed = self._route(state, incoming, risk=kinds)  # kept as their answer
        if response.full and before is not None and state.flow is not before:
            # The practice ended on this answer: its closing words wait for [Carry on].
            state.safety.waiting = [r.text for r in routed if not r.buttons and r.document is None]
        return response.replies if response.full else [*response.replies, *self._current_prompt(state)]

    @staticmethod
    def _in_flow(state: UserState, name: str) -> bool:
        return state.flow is not None and state.flow.name == name

    # -------------------------------------------------------------------- routing

    def _route(self, state: UserState, incoming: Incoming, risk: frozenset[str] = frozenset()) -> list[Reply]:
        kind = incoming.kind
        if kind in ("blocked", "unblocked"):
            return []
        if kind == "command":
            return self._command(state, incoming.command, incoming.args)
        if kind == "button":
            return self._button(state, incoming.data)
        if kind == "timer":  # a timed step's time is up: moves on only if they have not
            prefix, _, value = incoming.data.partition(":")
            if state.flow is None or prefix != str(state.flow.seq):
                return []
            return self._answer(state, Answer(choice=value))
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
        interrupt = commands.INTERRUPTS.get(name)
        if interrupt is None:
            return [self._say("general/unknown_command", command=name), *self._current_prompt(state)]
        # Answered at once; the flow stays where it was and its question is asked again.
        return [*interrupt(self._ctx(state), args), *self._current_prompt(state)]

    def _button(self, state: UserState, data: str) -> list[Reply]:
        prefix, _, value = data.partition(":")
        if prefix == GLOBAL:
            return self._global_button(state, value)
        flow = state.flow
        if flow is None or prefix != str(flow.seq):
            return [self._say("general/stale_button", in_flow=state.flow is not None), *self._current_prompt(state)]
        return self._answer(state, Answer(choice=value))

    def _global_button(self, state: UserState, value: str) -> list[Reply]:
        action, _, argument = value.partition(":")
        if action == "settings":
            return self._start_flow(state, self.flows["settings"])
        if action == "crisis":
            return [*crisis.replies(self._ctx(state), argument or None), *self._current_prompt(state)]
        if action == "tz":
            return [*commands.timezone(self._ctx(state), argument), *self._current_prompt(state)]
        if action == "safe":
            in_flow = state.flow is not None or bool(state.safety.waiting)
            return safety.answer_safe(self._ctx(state), argument, in_flow=in_flow)
        if action == "carry":
            waiting = [Reply(text) for text in state.safety.waiting]
            state.safety.waiting = []
            return [*waiting, *self._current_prompt(state)] or [self._say("safety/carry_on_idle")]
        if action == "stop":
            state.flow = None
            state.safety.waiting = []
            return [self._say("safety/stopped")]
        if action == "plan":
            return self._start_flow(state, self.flows["safetyplan"])
        ctx = self._ctx(state)
        handled = nudges.button(ctx, action, argument) or commands.button(ctx, action, argument)
        if handled is not None:
            replies, start, data = handled
            if start is not None:  # a short practice of its own; the current one waits
                return [*replies, *self._start_flow(state, self.flows[start], interrupting=True, data=data)]
            return [*replies, *self._current_prompt(state)]
        return [self._say("general/stale_button", in_flow=state.flow is not None), *self._current_prompt(state)]

    def _text(self, state: UserState, text: str, risk: frozenset[str] = frozenset()) -> list[Reply]:
        now = self.clock()
        if len(text) >= LONG_PASTE_CHARS:
            self._long_paste_until[state.user_id] = now + LONG_PASTE_WINDOW
            return [self._say("general/too_long_paste"), *self._current_prompt(state)]
        if self._long_paste_until.get(state.user_id, now) > now:
            return []  # the rest of a split paste: already answered once
        self._long_paste_until.pop(state.user_id, None)
        if state.flow is None:
            return [self._say("general/idle_text")]
        return self._answer(state, Answer(text=text.strip(), risk=risk))

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
        state.flow = FlowState(flow.name, step="", seq=state.next_question(), data=dict(data or {}))
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

    def _answer(self, state: UserState, answer: Answer) -> list[Reply]:
        assert state.flow is not None
        flow = self.flows[state.flow.name]
        step = flow.steps[state.flow.step]
        ctx = self._ctx(state)
        try:
            if answer.text is not None and len(answer.text) > step.max_chars:
                raise Invalid("general/too_long", limit=step.max_chars)
            acks = step.parse(ctx, answer) or []
        except Invalid as invalid:
            text = ctx.render(invalid.template, **invalid.variables)
            return [Reply(text, self._buttons(step, ctx, state.flow.seq))]
        following = step.next_step(ctx)
        if following is None:
            state.flow = state.suspended.pop() if state.suspended else None
            return [*acks, *flow.finish(ctx), *self._current_prompt(state)]
        state.flow.step = following
        state.flow.seq = state.next_question()
        return [*acks, self._prompt(state)]

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
        return Ctx(state.settings, data, self.content, self.clock(), state.safety.plan, state)

    def _say(self, template: str, **variables: object) -> Reply:
        return Reply(self.content.render(template, **variables))

    def _group_chat(self, incoming: Incoming) -> list[Reply]:
        """Groups get /crisis and a pointer to a private chat; nothing is stored."""
        ctx = Ctx(Settings(), {}, self.content, self.clock())
        if incoming.kind == "command" and incoming.command == "crisis":
            return crisis.replies(ctx, incoming.args.strip() or None)
        if incoming.kind == "button":
            prefix, _, value = incoming.data.partition(":")
            action, _, country = value.partition(":")
            if prefix == GLOBAL and action == "crisis":
                return crisis.replies(ctx, country or None)
        if incoming.kind == "command":
            link = Button(self.content.button("open_private_chat"), url=self.bot.link)
            return [Reply(self.content.render("general/group_chat"), ((link,),))]
        return []
