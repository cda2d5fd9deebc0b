"""The safety detour: what the engine does when screening finds risk in what someone wrote
or tapped, inside any practice or none.

- *respond*: the full response (flows/dialogue/safety.py words it); their words still count
  as their answer to the step they were on, marked hidden, and a practice that must not go
  on after such words (a thought record) ends kindly.
- *ask*: the one-tap question; their answer is held until they tap [Yes] or [No, I'm OK],
  or type yes or no.
- its own buttons: the safety menu ([Safe for now] ...), [Carry on], [Stop for now], and the
  answer to "Is there someone who can be with you?".

`SafetyDetour` is a part of `Engine` (flows/dialogue/engine.py), kept in its own module
because it is the one place to review for safety; it uses the engine's routing
(`_route`, `_answer`, `_current_prompt`, `_ctx`, `_say`) and its `content`, `flows` and `clock`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from flows.dialogue import safety
from flows.dialogue.core import HIDDEN, Answer, Ctx, Flow, Incoming, Reply, UserState
from flows.lib.content import Content
from flows.lib.risk_model import WHOLE_TEXT_CHARS
from flows.lib.risk_screen import NOTHING, Context, Finding

CONTEXT_WINDOW = timedelta(hours=24)  # after a full response, messages are read in its light
QUIET_AFTER_NO = timedelta(hours=1)  # after "No, I'm OK", the model does not ask again for this long
QUESTION_OPEN = timedelta(hours=1)  # a safety question left unanswered this long no longer reads their words as its answer
# Longer texts are screened in a worker thread: past this length the model also reads each
# window and sentence, and costs over a millisecond (bench/README.md).
OFF_LOOP_CHARS = WHOLE_TEXT_CHARS


def plain(text: str) -> str:
    """A short typed answer as compared with a word list: lowercase, no punctuation."""
    return " ".join(re.sub(r"[^\w\s]", "", text.casefold()).split())


class SafetyDetour:
    """The engine's answer to risk (see the module's docstring)."""

    content: Content
    flows: dict[str, Flow]
    clock: Callable[[], datetime]

    # Provided by Engine.
    def _route(self, state: UserState, incoming: Incoming, risk: frozenset[str] = frozenset()) -> list[Reply]: ...
    def _answer(self, state: UserState, answer: Answer, in_place: bool = False) -> list[Reply]: ...
    def _current_prompt(self, state: UserState) -> list[Reply]: ...
    def _ctx(self, state: UserState) -> Ctx: ...
    def _say(self, template: str, **variables: object) -> Reply: ...
    def _idle(self, state: UserState, text: str, risk: frozenset[str]) -> list[Reply]: ...

    async def _screen(self, state: UserState, incoming: Incoming) -> Finding:
        """What the risk screen finds in their words, read in the light of what came before."""
        text = incoming.text
        if not text:
            return NOTHING
        context = self._screen_context(state)
        screen = self.content.risk_screen
        if len(text) > OFF_LOOP_CHARS:
            finding = await asyncio.to_thread(screen.screen, text, context)
        else:
            finding = screen.screen(text, context)
        if self._awaiting_someone(state) and incoming.kind == "text" and finding.why != "pattern":
            return NOTHING  # "there's no one" answers "Is there someone who can be with you?"
        return finding

    def _screen_context(self, state: UserState) -> Context:
        now = self.clock()
        s = state.safety
        recent = None
        if s.last_response_at and now - datetime.fromisoformat(s.last_response_at) < CONTEXT_WINDOW:
            recent = frozenset(s.last_kinds)
        declined_here = s.declined_in is not None and state.flow is not None and state.flow.started == s.declined_in
        quiet = declined_here or (s.declined_at is not None and now - datetime.fromisoformat(s.declined_at) < QUIET_AFTER_NO)
        open_question = s.question is not None and now - datetime.fromisoformat(s.question["at"]) < QUESTION_OPEN
        return Context(recent=recent, quiet_model=quiet, ask_is_respond=open_question)

    def _awaiting_someone(self, state: UserState) -> bool:
        """Is "Is there someone who can be with you?" waiting for its answer? Not after a
        command, and not an hour later: their words then answer whatever they are doing."""
        asked = state.safety.someone_asked_at
        return asked is not None and self.clock() - datetime.fromisoformat(asked) < QUESTION_OPEN

    def _risk(
        self,
        state: UserState,
        incoming: Incoming | None,
        kinds: frozenset[str],
        held: str | None = None,
        choice: str | None = None,
    ) -> list[Reply]:
        """Screening found risk: answer that first. Their words still count as their answer,
        but are marked so that nothing ever quotes them back. `held` is an answer kept
        while they were asked the one-tap question, `choice` a tapped option that carries
        risk (incoming is then None)."""
        now = self.clock()
        typed = held is not None or (incoming is not None and incoming.kind == "text")
        if state.flow is not None and self.flows[state.flow.name].expects_hard_words and not kinds & {"plan", "act"}:
            # Writing a safety plan means writing about hard times: a footer, not an alarm.
            return [*self._as_answer(state, incoming, held, choice), self._say("safety/plan_footer")]
        question, state.safety.question = state.safety.question, None
        asked_about = self._held(state, question)
        if asked_about:
            # The words they were asked about, and these: one answer, kept (hidden).
            said = incoming.text.strip() if incoming is not None and incoming.kind == "text" else ""
            held = "\n".join(filter(None, [asked_about, held, said]))
            incoming = None
        response = safety.respond(self._ctx(state), state, kinds, now)
        if safety.severity(kinds) and state.settings.consent:
            state.changes.risk_events.append({"at": now.isoformat(timespec="seconds"), "kinds": sorted(kinds)})
        if state.flow:
            # Noted before the step reads the answer, so that the step, the flow's finish and
            # what it records all know: these words are never quoted back, and the practice
            # knows what was flagged in it.
            if typed:
                hidden = state.flow.data.setdefault(HIDDEN, [])
                step = self.flows[state.flow.name].steps[state.flow.step]
                hidden.extend(f for f in step.fields if f not in hidden)
            state.flow.risk = sorted(set(state.flow.risk) | (kinds - {"under_18"}))
        before = state.flow
        routed = self._as_answer(state, incoming, held, choice, risk=kinds)  # kept as their answer
        if response.full and before is not None and state.flow is not before:
            # The practice ended on this answer: its closing words wait for [Carry on].
            # (Its words only: a button there, such as a reminder's offer, waits for another day.)
            prompts = {r.text for r in self._current_prompt(state)}
            state.safety.waiting = [r.text for r in routed if r.document is None and r.text not in prompts]
        return response.replies if response.full else [*response.replies, *self._current_prompt(state)]

    def _as_answer(
        self,
        state: UserState,
        incoming: Incoming | None,
        held: str | None,
        choice: str | None,
        risk: frozenset[str] = frozenset(),
    ) -> list[Reply]:
        """What they said or tapped, taken as their answer to the step they are on."""
        if held is not None:
            return self._answer(state, Answer(text=held, risk=risk))
        if choice is not None:
            return self._answer(state, Answer(choice=choice, risk=risk))
        return self._route(state, incoming, risk=risk) if incoming is not None else []

    def _ask(self, state: UserState, incoming: Incoming, finding: Finding) -> list[Reply]:
        """The model finds risk probable: ask, with one tap. A typed answer to a practice's
        question is held, not lost, until they answer."""
        held = incoming.text.strip() if incoming.kind == "text" and state.flow is not None else None
        if held is not None and len(held) > self.flows[state.flow.name].steps[state.flow.step].max_chars:  # type: ignore[union-attr]
            held = None  # too long to be an answer: the step asks again after the question
        # Words typed outside a practice (a long message): answered as such after [No, I'm OK].
        outside = incoming.text.strip() if incoming.kind == "text" and state.flow is None else None
        state.safety.question = {
            "kinds": sorted(finding.kinds),
            "held": held,
            "outside": outside,
            "seq": state.flow.seq if state.flow else None,
            "at": self.clock().isoformat(timespec="seconds"),
        }
        return [safety.ask(self._ctx(state), finding.kinds)]

    def _answer_question(self, state: UserState, yes: bool) -> list[Reply]:
        """[Yes] brings the full response; [No, I'm OK] goes back to where they were, their
        words kept as their answer, and the model does not ask again for a while."""
        question = state.safety.question
        state.safety.question = None
        if question is None:
            return [self._say("general/stale_button", in_flow=state.flow is not None), *self._current_prompt(state)]
        held = self._held(state, question)
        if yes:
            return self._risk(state, None, frozenset(question["kinds"]), held=held)
        state.safety.declined_at = self.clock().isoformat(timespec="seconds")
        state.safety.declined_in = state.flow.started if state.flow else None
        said = [self._say("safety/ask_no")]
        if held is not None:
            return [*said, *self._answer(state, Answer(text=held))]
        if question.get("outside") and state.flow is None:  # what they wrote still gets its reply
            return [*said, *self._idle(state, question["outside"], frozenset())]
        return [*said, *self._current_prompt(state)]

    def _typed_while_asked(self, state: UserState, text: str) -> list[Reply] | None:
        """A typed yes or no answers the open question; other words leave it (its held answer
        still counts) and are read as usual."""
        word = plain(text)
        if word in self.content.choices["yes_words"]:
            return self._answer_question(state, yes=True)
        if word in self.content.choices["no_words"]:
            return self._answer_question(state, yes=False)
        held = self._held(state, state.safety.question)
        state.safety.question = None
        if held is not None:
            self._answer(state, Answer(text=held))
        return None

    @staticmethod
    def _held(state: UserState, question: dict | None) -> str | None:
        """The words an open question holds as an answer, if the practice still waits on the
        step they answered."""
        if question is None or state.flow is None or question.get("seq") != state.flow.seq:
            return None
        return question.get("held")

    def _detour_button(self, state: UserState, action: str, argument: str) -> list[Reply] | None:
        """The safety detour's own buttons: its menu, the one-tap question, "someone"."""
        if action == "safe":
            return safety.answer_safe(self._ctx(state), state, argument, in_flow=self._carries_on(state))
        if action == "someone":
            return safety.answer_someone(self._ctx(state), state, argument == "none", in_flow=self._carries_on(state))
        if action == "ask":
            return self._answer_question(state, yes=argument == "yes")
        if action == "carry":
            state.safety.someone_asked_at = None
            waiting = [Reply(text) for text in state.safety.waiting]
            state.safety.waiting = []
            return [*waiting, *self._current_prompt(state)] or [self._say("safety/carry_on_idle")]
        if action == "stop":
            state.safety.someone_asked_at = None
            state.flow = None
            state.safety.waiting = []
            return [self._say("safety/stopped")]
        return None

    def _carries_on(self, state: UserState) -> bool:
        """Is there a practice (or its closing words) to carry on with after the safety detour?"""
        return state.flow is not None or bool(state.safety.waiting)
