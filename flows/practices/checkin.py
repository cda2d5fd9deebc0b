"""/checkin: a mindfulness check-in. Mood before, an exercise, mood after.

The person rates their mood (0–10), picks an exercise from content/practices/exercises.toml
(each shown with its one-line "about"), reads its safeguard, then goes through it one
message per phase with [Next] [Stop]. Box breathing repeats its phases `rounds` times;
grounding waits at each sense and takes a typed answer or a tap (their words are never
quoted back, only acknowledged); a body scan offers grounding instead, before it starts
and while it runs. [Stop] ends the exercise and goes on to the mood after; the entry is
still saved, marked as stopped. Nothing is recorded before the last answer, so /cancel
leaves nothing behind.

Where someone is inside an exercise is plain data in the flow state (`exercise`, `round`,
`index`), so a restart resumes at the same phase and `phase(ctx)` can always tell what is
shown now and for how long. Guided pacing is the phase step's timer: the adapter runs one
`run_once` job per phase, which answers it as if [Next] were tapped, but only if the person
is still on the same question (`FlowState.seq`). The exercise is one message: each phase,
timed or tapped on, edits it (`in_place`), and what follows it is a new message.
"""

from __future__ import annotations

from typing import Any

from flows.lib import scales
from flows.practices import next_steps
from flows.lib.content import Exercise, Exercises
from flows.dialogue.registry import Practice
from flows.dialogue.core import HIDDEN, Acks, Answer, Button, Ctx, Flow, Goto, Invalid, Option, OptionRows, Reply, Step

BEFORE, CHOOSE, SAFEGUARD, PHASE, AFTER = "before", "choose", "safeguard", "phase", "after"
# Option values (they go into button data after the question's number).
START, OTHER, INSTEAD, NEXT, STOP = "start", "other", "instead", "next", "stop"
PACED = "paced"  # start, and let the bot move on after each phase's seconds
GROUNDING, BODY_SCAN = "grounding", "body_scan"
NOTICED_CHARS = 500  # one typed grounding answer
NOTICED_JOIN = " · "
LOW = 3  # a mood after this low or lower points gently to more help
TYPED_WORDS = {"start": START, "next": NEXT, "stop": STOP}  # typing these works like tapping the button


# --------------------------------------------------------------------------- exercises

def _exercises(ctx: Ctx) -> list[Exercise]:
    return ctx.content.of(Exercises).exercise


def exercise(ctx: Ctx, exercise_id: str | None = None) -> Exercise | None:
    """The chosen exercise (or the one named), or None if content no longer has it."""
    wanted = exercise_id or ctx.data.get("exercise")
    return next((e for e in _exercises(ctx) if e.id == wanted), None)


def _chosen(ctx: Ctx) -> Exercise:
    found = exercise(ctx)
    if found is None:  # content changed while they were in the middle: start from a known one
        found = _exercises(ctx)[0]
        ctx.data["exercise"] = found.id
    return found


def phase(ctx: Ctx) -> tuple[str, int]:
    """What the current phase says and how many seconds it lasts (0: it waits for them).

    Computed from ctx.data alone (`exercise`, `round` from 1, `index` from 0), so a timer
    added later, a resumed flow and the prompt all agree on where the person is.
    """
    chosen = _chosen(ctx)
    index = min(ctx.data.get("index", 0), len(chosen.step) - 1)
    step = chosen.step[index]
    return step.text, step.seconds


def timed(ctx: Ctx) -> int | None:
    """Seconds after which the current phase may move on by itself, or None (it waits for
    a typed answer or a tap, or the person is not on a phase). A guided exercise's timer
    (`paced_timer`) reads it."""
    if ctx.state.flow is None or ctx.state.flow.step != PHASE:
        return None
    _, seconds = phase(ctx)
    return seconds or None


def _is_last_phase(ctx: Ctx) -> bool:
    chosen = _chosen(ctx)
    return ctx.data.get("round", 1) >= chosen.rounds and ctx.data.get("index", 0) >= len(chosen.step) - 1


def _advance(ctx: Ctx) -> Goto:
    """On to the next phase, the next round, or (after the last) the mood after."""
    if _is_last_phase(ctx):
        return Goto(AFTER)
    chosen = _chosen(ctx)
    index = ctx.data.get("index", 0) + 1
    if index >= len(chosen.step):
        ctx.data["round"] = ctx.data.get("round", 1) + 1
        index = 0
    ctx.data["index"] = index
    return Goto(PHASE)


def _begin_exercise(ctx: Ctx, exercise_id: str) -> None:
    ctx.data.update(exercise=exercise_id, round=1, index=0, stopped=False)
    ctx.data.pop("ack", None)


def _waits_for_words(ctx: Ctx) -> bool:
    """Phases that take a typed answer (grounding: one sense at a time)."""
    _, seconds = phase(ctx)
    return seconds == 0


# ------------------------------------------------------------------------ mood before

def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    return [], BEFORE


def read_before(ctx: Ctx, answer: Answer) -> Acks:
    ctx.data["mood_before"] = scales.read(answer, 10)
    return None


# ---------------------------------------------------------------------------- choose

def choose_options(ctx: Ctx) -> OptionRows:
    return [[Option(e.id, e.name)] for e in _exercises(ctx)]


def choose_variables(ctx: Ctx) -> dict[str, Any]:
    return {"exercises": _exercises(ctx)}


def read_choice(ctx: Ctx, answer: Answer) -> Acks:
    """A tap, or a typed name, id or number ("grounding", "Box breathing", "2")."""
    exercises = _exercises(ctx)
    if answer.choice is not None:
        chosen = exercise(ctx, answer.choice)
    else:
        typed = " ".join((answer.text or "").lower().replace("_", " ").split())
        chosen = None
        if typed.isdigit() and 1 <= int(typed) <= len(exercises):
            chosen = exercises[int(typed) - 1]
        elif typed:
            chosen = next(
                (e for e in exercises if typed in (e.name.lower(), e.id.replace("_", " "))), None
            ) or next((e for e in exercises if len(typed) >= 4 and typed in e.name.lower()), None)
    if chosen is None:
        raise Invalid("checkin/choose_tap", exercises=exercises)
    ctx.data["exercise"] = chosen.id
    ctx.data.pop("switched_from", None)
    return None


# ------------------------------------------------------------------------- safeguard

def safeguard_options(ctx: Ctx) -> OptionRows:
    chosen = _chosen(ctx)
    # A timed exercise can also be guided: the bot moves on after each phase by itself.
    guided = [Option(PACED, ctx.button("checkin_start_paced"))] if any(step.seconds for step in chosen.step) else []
    if chosen.id == BODY_SCAN and exercise(ctx, GROUNDING) is not None:
        return [
            [Option(START, ctx.button("checkin_start_body_scan")), Option(INSTEAD, ctx.button("checkin_grounding_instead"))],
            [*guided, Option(OTHER, ctx.button("checkin_pick_another"))],
        ]
    return [[Option(START, ctx.button("checkin_start")), *guided], [Option(OTHER, ctx.button("checkin_pick_another"))]]


def safeguard_variables(ctx: Ctx) -> dict[str, Any]:
    chosen = _chosen(ctx)
    return {
        "exercise": chosen,
        "offers_grounding": chosen.id == BODY_SCAN and exercise(ctx, GROUNDING) is not None,
    }


def read_safeguard(ctx: Ctx, answer: Answer) -> Acks:
    said = answer.choice or TYPED_WORDS.get(_word(answer.text), "")
    if said in (START, NEXT, PACED):
        _begin_exercise(ctx, _chosen(ctx).id)
        ctx.data["paced"] = said == PACED
        return Goto(PHASE)
    if said == OTHER:
        return Goto(CHOOSE)
    if said == INSTEAD and exercise(ctx, GROUNDING) is not None:
        ctx.data["switched_from"] = ctx.data.get("exercise")
        ctx.data["exercise"] = GROUNDING
        return Goto(SAFEGUARD)  # grounding's own safeguard, then its Start
    raise Invalid("checkin/safeguard_tap", **safeguard_variables(ctx))


# ---------------------------------------------------------------------------- phases

def phase_options(ctx: Ctx) -> OptionRows:
    rows = [[Option(NEXT, ctx.button("checkin_next")), Option(STOP, ctx.button("checkin_stop"))]]
    if _chosen(ctx).id == BODY_SCAN and exercise(ctx, GROUNDING) is not None:
        rows.append([Option(INSTEAD, ctx.button("checkin_grounding_instead"))])
    return rows


def phase_variables(ctx: Ctx) -> dict[str, Any]:
    chosen = _chosen(ctx)
    text, seconds = phase(ctx)
    return {
        "exercise": chosen,
        "text": text,
        "seconds": seconds,
        "round": ctx.data.get("round", 1),
        "number": min(ctx.data.get("index", 0), len(chosen.step) - 1) + 1,
        "steps": len(chosen.step),
        "acknowledge": _acknowledge(ctx),
    }


def read_phase(ctx: Ctx, answer: Answer) -> Acks:
    ctx.data.pop("ack", None)
    said = answer.choice if answer.choice is not None else TYPED_WORDS.get(_word(answer.text))
    if said == STOP:
        ctx.data["stopped"] = True
        return Goto(AFTER)
    if said == NEXT:
        return _advance(ctx)
    if said == INSTEAD and _chosen(ctx).id == BODY_SCAN and exercise(ctx, GROUNDING) is not None:
        ctx.data["switched_from"] = BODY_SCAN
        ctx.data["exercise"] = GROUNDING
        return Goto(SAFEGUARD)
    if answer.text and _waits_for_words(ctx):
        # Kept as their answer, never shown back during the exercise: only acknowledged.
        ctx.data.setdefault("noticed", []).append(answer.text)
        # A plain "noted" fits the next prompt, unless screening flagged the words.
        ctx.data["ack"] = not answer.flagged
        return _advance(ctx)
    raise Invalid("checkin/phase_tap", **phase_variables(ctx))


def paced_timer(ctx: Ctx) -> tuple[float, str] | None:
    """Guided: after the phase's seconds the bot moves on as if Next were tapped (one job
    per phase in the adapter; a tap first, or Stop, makes it do nothing)."""
    seconds = timed(ctx) if ctx.data.get("paced") else None
    return (seconds, NEXT) if seconds else None


def _acknowledge(ctx: Ctx) -> bool:
    """Thank them for a typed answer, unless screening flagged that answer."""
    return bool(ctx.data.get("ack"))


def _word(text: str | None) -> str:
    return (text or "").strip().strip(".!").lower()


# ------------------------------------------------------------------------ mood after

def after_variables(ctx: Ctx) -> dict[str, Any]:
    return {"exercise": _chosen(ctx), "acknowledge": _acknowledge(ctx)}


def read_after(ctx: Ctx, answer: Answer) -> Acks:
    ctx.data["mood_after"] = scales.read(answer, 10)
    return None


# ---------------------------------------------------------------------------- finish

def finish(ctx: Ctx) -> list[Reply]:
    chosen = _chosen(ctx)
    before, after = ctx.data["mood_before"], ctx.data["mood_after"]
    entry: dict[str, Any] = {
        "exercise": chosen.id,
        "exercise_name": chosen.name,
        "mood_before": before,
        "mood_after": after,
        "change": after - before,
        "stopped": bool(ctx.data.get("stopped")),
    }
    if ctx.data.get("switched_from"):
        entry["switched_from"] = ctx.data["switched_from"]
    noticed = ctx.data.get("noticed")
    if noticed:
        entry["noticed"] = NOTICED_JOIN.join(noticed)
        if "noticed" in ctx.hidden:
            entry[HIDDEN] = ["noticed"]  # the journal shows "hidden", with a button to see it
    recorded = ctx.record("checkin", entry)
    low = after <= LOW
    said = ctx.render(
        "checkin/saved",
        exercise=chosen,
        before=before,
        after=after,
        stopped=entry["stopped"],
        typed=bool(noticed),
        low=low,
        kept=ctx.keeps,
    )
    if low:  # met first ("That sounds like a hard time"), then a thought record or help lines
        lines = Button(ctx.button("listen_help_lines"), data="g:crisis")
        return [Reply(said), Reply(ctx.render("checkin/low"), next_steps.rows(next_steps.go(ctx, "thought"), lines))]
    if after > before:  # what helped, and a small plan to keep it going
        offer = next_steps.rows(next_steps.helped(ctx, recorded), next_steps.go(ctx, "plan"))
    else:
        offer = next_steps.rows(next_steps.go(ctx, "thought"), next_steps.go(ctx, "plan"))
    return [Reply(said, offer)]


def cancelled(ctx: Ctx) -> list[Reply]:
    return [Reply(ctx.render("checkin/cancelled"))]


FLOW = Flow.of(
    "checkin",
    "checkin",
    [
        Step(BEFORE, "checkin/mood_before", read_before, CHOOSE, options=lambda ctx: scales.options(10)),
        Step(CHOOSE, "checkin/choose", read_choice, SAFEGUARD, options=choose_options,
             variables=choose_variables, max_chars=100),
        Step(SAFEGUARD, "checkin/safeguard", read_safeguard, PHASE, goes_to=(CHOOSE, SAFEGUARD),
             options=safeguard_options, variables=safeguard_variables, max_chars=100),
        Step(PHASE, "checkin/phase", read_phase, PHASE, goes_to=(AFTER, SAFEGUARD), fills="noticed", timer=paced_timer,
             options=phase_options, variables=phase_variables, max_chars=NOTICED_CHARS, in_place=True),
        Step(AFTER, "checkin/mood_after", read_after, None, options=lambda ctx: scales.options(10),
             variables=after_variables, max_chars=100),
    ],
    begin,
    finish,
    cancelled=cancelled,
)

PRACTICE = Practice(flows=(FLOW,), records=("checkin",))
