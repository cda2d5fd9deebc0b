"""/thought: a thought record (cognitive restructuring), one question per message.

The full record follows the seven columns, and each prompt says where they are ("Step 3 of
7"):

1. the situation (who, what, when, where);
2. emotions (buttons, several allowed, or typed), the strongest one if several, and how
   strong it is, 0–100;
3. the automatic thought, how much they believe it (0–100), and the thinking traps it may
   fall into: the four likeliest for what they wrote (a learned ranker, flows/lib/traps.py), a
   "More" button for every trap, a "What's this?" button for each (its explanation shows
   in the question's own message), and "Not sure";
4. what supports the thought (skippable);
5. what doesn't quite fit it (skippable), helped by Socratic questions for the traps they
   picked, in a message of their own just before it;
6. a balanced alternative (or, when the thought is accurate, what could help);
7. belief in the thought and the strongest emotion again (skippable), then a summary in two
   cards (what happened; looking again), each on one screen.

The quick version is the situation, the thought, the trap and a balanced thought.

Their thought is quoted back at the later steps, cut with "…" so the question stays on one
screen, unless the risk screen flagged it: then it is never quoted (not in a prompt, the
summary or /journal). The engine marks a flagged step
in ctx.data["hidden"] before the step reads the answer, and notes the kinds in the practice
(`ctx.risk`). The engine's safety detour answers the risk itself; what is left to this flow
is never to challenge it: once a message in it spoke of suicide, self-harm or being hurt by
someone, the record ends kindly after that answer (no traps, no evidence, never "well
done"), keeping what they wrote, hidden. A thought of harming someone (often an unwanted,
intrusive one) can still be worked on, after the detour.

Nothing is recorded before the end: /cancel or [Stop here] leaves nothing saved.
"""

from __future__ import annotations

from typing import Any

from flows.practices import emotions, next_steps
from flows.dialogue import safety
from flows.dialogue.detour import plain
from flows.lib import markup, scales
from flows.lib.content import ThoughtContent, Trap
from flows.lib.traps import Ranking
from flows.dialogue.registry import Practice
from flows.dialogue.core import (
    Answer,
    Ctx,
    Flow,
    Invalid,
    Option,
    OptionRows,
    Reply,
    Step,
    in_rows,
    written_or_skipped,
)

# Steps
MODE, SITUATION, EMOTIONS, STRONGEST, INTENSITY = "mode", "situation", "emotions", "strongest", "intensity"
THOUGHT, BELIEF, TRAPS = "thought", "belief", "traps"
EVIDENCE_FOR, EVIDENCE_AGAINST, BALANCED = "evidence_for", "evidence_against", "balanced"
BELIEF_AFTER, INTENSITY_AFTER = "belief_after", "intensity_after"

# Option values
FULL, QUICK = "full", "quick"
DONE, SKIP, UNSURE, MORE = "done", "skip", "unsure", "more"
PICK, EXPLAIN = "t", "w"  # "t:<trap id>" toggles a trap, "w:<trap id>" explains it

SUGGESTED = 4  # traps offered before "More"
QUOTE_CHARS = 300  # a quoted answer in the summary cards, at most (cut further to fit a screen)
LEAST_CHARS = 40  # the shortest a quoted answer is cut to, to fit a summary card
STEP_QUOTE_CHARS = 100  # their thought, quoted in a question (a reminder: the question fits one screen)
EMOTION_CHARS = 40
TRAP_QUESTIONS = 2  # Socratic questions from the traps they picked
QUESTIONS = 3  # in all, with general ones

# When the words give the ranker nothing to go on, the traps people meet most often first
# (scripts/train_traps.py copies this order into the model as its fallback).
DEFAULT_ORDER = (
    "catastrophising", "mind_reading", "fortune_telling", "all_or_nothing", "overgeneralisation",
    "labelling", "should_statements", "emotional_reasoning", "personalisation", "mental_filter",
    "disqualifying_positive", "comparing",
)  # fmt: skip

# Where each step shows in "Step N of M", for the full record and the quick version.
FULL_NUMBERS = {
    SITUATION: 1, EMOTIONS: 2, STRONGEST: 2, INTENSITY: 2, THOUGHT: 3, BELIEF: 3, TRAPS: 3,
    EVIDENCE_FOR: 4, EVIDENCE_AGAINST: 5, BALANCED: 6, BELIEF_AFTER: 7, INTENSITY_AFTER: 7,
}  # fmt: skip
QUICK_NUMBERS = {SITUATION: 1, THOUGHT: 2, TRAPS: 3, BALANCED: 4}


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    return [], MODE


# ------------------------------------------------------------------ what is flagged


def quote(ctx: Ctx, limit: int = STEP_QUOTE_CHARS) -> str | None:
    """Their thought, to quote back, cut to `limit` ("…"); None when it must not be quoted."""
    return None if "thought" in ctx.hidden else markup.shorten(ctx.data.get("thought"), limit)


# What ends the record for safety: being hurt is not a thinking trap, and a thought of
# ending one's life is not one to weigh up with evidence.
ENDS_RECORD = frozenset({"suicidal", "self_harm", "plan", "act", "harm_from_others"})


def ended_for_safety(ctx: Ctx) -> bool:
    return bool(ctx.risk & ENDS_RECORD)


def quick(ctx: Ctx) -> bool:
    return bool(ctx.data.get("quick"))


def position(ctx: Ctx, step: str) -> dict[str, Any]:
    numbers = QUICK_NUMBERS if quick(ctx) else FULL_NUMBERS
    return {"n": numbers.get(step, 0), "total": max(numbers.values())}


# ------------------------------------------------------------------------- the mode


def read_mode(ctx: Ctx, answer: Answer) -> None:
    if answer.choice not in (FULL, QUICK):
        raise Invalid("thought/mode_tap")
    ctx.data["quick"] = answer.choice == QUICK


def after_mode(ctx: Ctx) -> str | None:
    """Their words may have come with them (a message they chose to write down): that is
    the situation, and the record goes on from there."""
    return after_situation(ctx) if ctx.data.get("situation") else SITUATION


def mode_options(ctx: Ctx) -> OptionRows:
    return [[Option(FULL, ctx.button("thought_full")), Option(QUICK, ctx.button("thought_quick"))]]


# -------------------------------------------------------------------- the situation


def _words(field: str):
    """A step that takes typed words only (a tap there is explained by `thought/<field>_tap`)."""

    def read(ctx: Ctx, answer: Answer) -> None:
        if not answer.text:
            raise Invalid(f"thought/{field}_tap")
        ctx.data[field] = answer.text

    return read


read_situation = _words("situation")


def after_situation(ctx: Ctx) -> str | None:
    return THOUGHT if quick(ctx) else EMOTIONS


# ---------------------------------------------------------------------- emotions


def read_emotions(ctx: Ctx, answer: Answer) -> None:
    emotions.read(ctx, answer, "thought/emotions_tap")


def after_emotions(ctx: Ctx) -> str | None:
    if not ctx.data.get("emotions_done"):
        return EMOTIONS
    chosen = emotions.hard(ctx, ctx.data.get("emotions", []))  # "relieved" is not rated to ease it
    if not chosen:
        return THOUGHT
    if len(chosen) == 1 or "emotions" in ctx.hidden:  # flagged words never go on a button
        ctx.data["emotion"] = chosen[0]
        return INTENSITY
    return STRONGEST


def read_strongest(ctx: Ctx, answer: Answer) -> None:
    chosen = emotions.hard(ctx, ctx.data.get("emotions", []))
    said = answer.choice if answer.choice is not None else (answer.text or "")
    if said.isdigit() and answer.choice is not None and int(said) < len(chosen):
        ctx.data["emotion"] = chosen[int(said)]
        return
    match = next((c for c in chosen if c.lower() == said.strip().lower()), None)
    if match is None:
        raise Invalid("thought/strongest_tap")
    ctx.data["emotion"] = match


def strongest_options(ctx: Ctx) -> OptionRows:
    return in_rows([Option(str(i), w) for i, w in enumerate(emotions.hard(ctx, ctx.data.get("emotions", [])))], 3)


def emotion_variables(ctx: Ctx, step: str) -> dict[str, Any]:
    named = None if "emotion" in ctx.hidden else ctx.data.get("emotion")
    return {**position(ctx, step), "emotion": named}


def read_intensity(ctx: Ctx, answer: Answer) -> None:
    ctx.data["intensity_before"] = scales.read(answer, 100)


# ----------------------------------------------------------------------- the thought


read_thought = _words("thought")


def after_thought(ctx: Ctx) -> str | None:
    return TRAPS if quick(ctx) else BELIEF


def read_belief(ctx: Ctx, answer: Answer) -> None:
    ctx.data["belief_before"] = scales.read(answer, 100)


# ---------------------------------------------------------------------- thinking traps


def ranking(ctx: Ctx) -> Ranking:
    """The traps, likeliest first for their thought (flows/lib/traps.py), and whether the
    words pointed anywhere ("These seem the most likely" only then)."""
    traps = ctx.content.of(ThoughtContent).trap
    return ctx.content.trap_ranker.rank(ctx.data.get("thought", ""), tuple(t.id for t in traps))


def ranked(ctx: Ctx) -> list[Trap]:
    return [t for t in (trap_by_id(ctx, i) for i in ranking(ctx).traps) if t is not None]


def trap_by_id(ctx: Ctx, trap_id: str) -> Trap | None:
    return next((t for t in ctx.content.of(ThoughtContent).trap if t.id == trap_id), None)


def read_traps(ctx: Ctx, answer: Answer) -> None:
    picked: list[str] = ctx.data.setdefault("trap_ids", [])
    choice = answer.choice if answer.choice is not None else typed_trap_choice(ctx, answer.text or "")
    if choice is None:
        raise Invalid("thought/traps_tap", picked=bool(picked))
    if choice in (DONE, UNSURE):
        ctx.data["traps_done"] = True
        if choice == UNSURE:
            picked.clear()
        return None
    if choice == MORE:
        ctx.data["more_traps"] = True
        return None
    action, _, trap_id = choice.partition(":")
    trap = trap_by_id(ctx, trap_id)
    if trap is None or action not in (PICK, EXPLAIN):
        raise Invalid("thought/traps_tap", picked=bool(picked))
    if action == EXPLAIN:  # shown under the question; its "What's this?" again hides it
        ctx.data["explained"] = None if ctx.data.get("explained") == trap.id else trap.id
        return None
    picked.remove(trap.id) if trap.id in picked else picked.append(trap.id)
    return None


def typed_trap_choice(ctx: Ctx, text: str) -> str | None:
    """Typed words at the traps: "done" (with nothing picked, the same as "not sure"), "not
    sure", or a trap's name (it is ticked, or unticked). None: not understood."""
    said = plain(text)
    if said in ctx.content.choices["done_words"]:
        return DONE if ctx.data.get("trap_ids") else UNSURE
    if said in ctx.content.choices["unsure_words"]:
        return UNSURE
    trap = next((t for t in ctx.content.of(ThoughtContent).trap if plain(t.name) == said), None)
    return f"{PICK}:{trap.id}" if trap is not None else None


def after_traps(ctx: Ctx) -> str | None:
    if not ctx.data.get("traps_done"):
        return TRAPS
    return BALANCED if quick(ctx) else EVIDENCE_FOR


def trap_options(ctx: Ctx) -> OptionRows:
    picked = ctx.data.get("trap_ids", [])
    every = ranked(ctx)
    shown = every if ctx.data.get("more_traps") else every[:SUGGESTED]
    rows = [
        [Option(f"{PICK}:{t.id}", ("✓ " if t.id in picked else "") + t.name), Option(f"{EXPLAIN}:{t.id}", ctx.button("thought_whats_this"))]
        for t in shown
    ]
    last = []
    if not ctx.data.get("more_traps"):
        last.append(Option(MORE, ctx.button("thought_more")))
    last.append(Option(DONE, ctx.button("done")) if picked else Option(UNSURE, ctx.button("not_sure")))
    return [*rows, last]


def trap_variables(ctx: Ctx) -> dict[str, Any]:
    picked = [t.name for t in (trap_by_id(ctx, i) for i in ctx.data.get("trap_ids", [])) if t]
    explained = trap_by_id(ctx, ctx.data.get("explained") or "")
    return {**position(ctx, TRAPS), "quote": quote(ctx), "picked": picked, "more": bool(ctx.data.get("more_traps")),
            "explained": explained, "matched": ranking(ctx).matched}


# ------------------------------------------------------------------------ evidence


def read_evidence(field: str):
    written = written_or_skipped(field, "thought/evidence_tap", SKIP)

    def read(ctx: Ctx, answer: Answer) -> list[Reply] | None:
        written(ctx, answer)
        if field == EVIDENCE_FOR and not ended_for_safety(ctx):
            # The Socratic questions for the next step, in a message of their own.
            return [Reply(ctx.render("thought/questions", questions=questions(ctx)))]
        return None

    return read


def skip_options(ctx: Ctx) -> OptionRows:
    return [[Option(SKIP, ctx.button("skip"))]]


def questions(ctx: Ctx) -> list[str]:
    """Socratic questions: the first of each trap they picked (two at most), then general
    ones, three in all. A flagged thought gets only the general ones. A general question
    about what supports the thought is left out: the step before asked just that."""
    asked: list[str] = []
    if "thought" not in ctx.hidden:
        for trap_id in ctx.data.get("trap_ids", []):
            trap = trap_by_id(ctx, trap_id)
            if trap and trap.questions and len(asked) < TRAP_QUESTIONS:
                asked.append(trap.questions[0])
    for question in ctx.content.of(ThoughtContent).general_questions:
        if len(asked) >= QUESTIONS:
            break
        if question not in asked and "support" not in question.lower():  # step 4 asked that
            asked.append(question)
    return asked


def evidence_variables(step: str):
    def variables(ctx: Ctx) -> dict[str, Any]:
        return {**position(ctx, step), "quote": quote(ctx)}

    return variables


# -------------------------------------------------------------- the balanced thought


def read_balanced(ctx: Ctx, answer: Answer) -> None:
    if not answer.text:
        raise Invalid("thought/balanced_tap")
    ctx.data["balanced"] = answer.text


def after_balanced(ctx: Ctx) -> str | None:
    return None if quick(ctx) else BELIEF_AFTER


# ------------------------------------------------------------------------- re-rating


def read_rerate(field: str):
    def read(ctx: Ctx, answer: Answer) -> None:
        ctx.data[field] = None if answer.choice == SKIP else scales.read(answer, 100)

    return read


def rerate_options(ctx: Ctx) -> OptionRows:
    return [*scales.options(100), [Option(SKIP, ctx.button("skip"))]]


def after_belief_rerate(ctx: Ctx) -> str | None:
    has_emotion = ctx.data.get("emotion") and ctx.data.get("intensity_before") is not None
    return INTENSITY_AFTER if has_emotion else None


# -------------------------------------------------------------------------- the end


def entry_data(ctx: Ctx) -> dict[str, Any]:
    d = ctx.data
    trap_ids = [i for i in d.get("trap_ids", []) if trap_by_id(ctx, i)]
    return {
        "situation": d.get("situation"),
        "emotion": d.get("emotion"),
        "emotions": list(d.get("emotions", [])),
        "intensity_before": d.get("intensity_before"),
        "intensity_after": d.get("intensity_after"),
        "thought": d.get("thought"),
        "belief_before": d.get("belief_before"),
        "belief_after": d.get("belief_after"),
        "traps": [trap_by_id(ctx, i).name for i in trap_ids],  # type: ignore[union-attr]
        "trap_ids": trap_ids,
        "evidence_for": d.get("evidence_for"),
        "evidence_against": d.get("evidence_against"),
        "balanced": d.get("balanced"),
        "quick": quick(ctx),
        "hidden": sorted(ctx.hidden),
    }


def cut(text: str | None, limit: int = QUOTE_CHARS) -> str | None:
    return markup.shorten(text, limit)


def summary_fields(data: dict[str, Any], limit: int = QUOTE_CHARS) -> dict[str, Any]:
    """The entry as the summary cards show it: answers cut to `limit`, the feelings and the
    traps each as one line, hidden ones left out (None)."""
    hidden = set(data["hidden"])
    shown = {}
    for name, value in data.items():
        if name in hidden:
            shown[name] = None
        elif isinstance(value, str):
            shown[name] = cut(value, limit)
        elif name in ("emotions", "traps"):
            shown[name] = cut(", ".join(cut(v, EMOTION_CHARS) or "" for v in value), limit) if value else None
        else:
            shown[name] = value
    return shown


def summary(ctx: Ctx, data: dict[str, Any]) -> list[Reply]:
    """Two cards, each on one screen: what happened, then looking again. Their words are
    shown whole when they fit, else cut ("…"), the longest first."""
    return [
        Reply(markup.fit(lambda limit: ctx.render(template, d=summary_fields(data, limit), hidden=data["hidden"]), LEAST_CHARS, QUOTE_CHARS))
        for template in ("thought/summary", "thought/summary_after")
    ]


def finish(ctx: Ctx) -> list[Reply]:
    if ctx.data.get("stopped"):
        return [Reply(ctx.render("thought/stopped"))]
    data = entry_data(ctx)
    if ended_for_safety(ctx):
        ctx.record("thought", {**data, "ended_for_safety": True})
        if "harm_from_others" in ctx.risk:
            return [Reply(ctx.render("thought/not_a_trap", kept=ctx.keeps, abuse=safety.abuse_line_if_hurt(ctx)))]
        return [Reply(ctx.render("thought/kind_end", kept=ctx.keeps))]
    ctx.record("thought", data)
    # Next: the lesson on the trap they picked (or on thinking traps), and a calm check-in.
    lesson = next_steps.lesson(ctx, [*data["trap_ids"], "thinking_traps"])
    offer = next_steps.rows(lesson, next_steps.go(ctx, "checkin"))
    return [*summary(ctx, data), Reply(ctx.render("thought/saved", kept=ctx.keeps, d=data), offer)]


STEPS = [
    Step(MODE, "thought/mode", read_mode, after_mode, goes_to=(SITUATION, THOUGHT, EMOTIONS), options=mode_options),
    Step(SITUATION, "thought/situation", read_situation, after_situation, goes_to=(THOUGHT, EMOTIONS), fills="situation",
         variables=lambda ctx: position(ctx, SITUATION)),
    Step(EMOTIONS, "thought/emotions", read_emotions, after_emotions, goes_to=(EMOTIONS, THOUGHT, INTENSITY, STRONGEST),
         fills=("emotions", "emotion"),
         options=emotions.options,
         variables=lambda ctx: position(ctx, EMOTIONS), max_chars=300, in_place=True),
    Step(STRONGEST, "thought/strongest", read_strongest, INTENSITY, options=strongest_options,
         variables=lambda ctx: position(ctx, STRONGEST), max_chars=EMOTION_CHARS),
    Step(INTENSITY, "thought/intensity", read_intensity, THOUGHT, options=lambda ctx: scales.options(100),
         variables=lambda ctx: emotion_variables(ctx, INTENSITY)),
    Step(THOUGHT, "thought/thought", read_thought, after_thought, goes_to=(TRAPS, BELIEF), fills="thought",
         variables=lambda ctx: position(ctx, THOUGHT)),
    Step(BELIEF, "thought/belief", read_belief, TRAPS, options=lambda ctx: scales.options(100),
         variables=lambda ctx: position(ctx, BELIEF)),
    Step(TRAPS, "thought/traps", read_traps, after_traps, options=trap_options, variables=trap_variables,
         in_place=True, goes_to=(TRAPS, BALANCED, EVIDENCE_FOR)),
    Step(EVIDENCE_FOR, "thought/evidence_for", read_evidence(EVIDENCE_FOR),
         EVIDENCE_AGAINST, fills="evidence_for", options=skip_options, variables=evidence_variables(EVIDENCE_FOR)),
    Step(EVIDENCE_AGAINST, "thought/evidence_against", read_evidence(EVIDENCE_AGAINST),
         BALANCED, fills="evidence_against", options=skip_options, variables=evidence_variables(EVIDENCE_AGAINST)),
    Step(BALANCED, "thought/balanced", read_balanced, after_balanced, goes_to=(None, BELIEF_AFTER), fills="balanced",
         variables=lambda ctx: {**position(ctx, BALANCED), "quote": quote(ctx)}),
    Step(BELIEF_AFTER, "thought/belief_after", read_rerate("belief_after"), after_belief_rerate,
         goes_to=(INTENSITY_AFTER, None), options=rerate_options, variables=lambda ctx: {**position(ctx, BELIEF_AFTER), "quote": quote(ctx)}),
    Step(INTENSITY_AFTER, "thought/intensity_after", read_rerate("intensity_after"), None,
         options=rerate_options, variables=lambda ctx: emotion_variables(ctx, INTENSITY_AFTER)),
]

FLOW = Flow.of("thought", "thought", STEPS, begin, finish, ends_on_risk=ENDS_RECORD)

PRACTICE = Practice(flows=(FLOW,), records=("thought",))
