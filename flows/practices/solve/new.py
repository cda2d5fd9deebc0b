"""/solve: one problem, worked through in six steps ("Step 3 of 6").

1. The problem in one sentence; a vague one ("my life is a mess") gets one follow-up:
   "What would be different if it were solved?" ([Keep it as it is] goes on).
2. Ideas, as many as come: one a message or several separated by commas, "no judging yet"
   said once, and [That's all] (two at least, MAX_IDEAS at most).
3. For each idea, a quick 0-10 for how much it would help and how doable it is.
4. One idea to try, chosen from the ideas ranked by those two numbers.
5. Small steps, each with a day and a time in their time zone (planning.py).
6. If they keep entries: a neutral reminder at each step's time and a look back the day
   after the last, both, the look back only, or neither (review.py sends them).

Nothing is recorded before the end, so /cancel leaves nothing. Any risk the screen finds
ends it after the safety detour, kindly, with what they wrote kept and hidden: someone
hurting them, or thoughts of dying, self-harm or harming someone, is not an ordinary
problem to brainstorm options for (common.kind_end).
"""

from __future__ import annotations

import re
from typing import Any

from flows.dialogue.core import Answer, Ctx, Flow, Goto, Invalid, Option, OptionRows, Reply, Step, in_rows
from flows.lib import scales
from flows.practices import next_steps
from flows.practices.solve import planning
from flows.practices.solve.common import (
    ENDS_ON_RISK,
    IDEA_CHARS,
    KIND,
    MAX_IDEAS,
    PLANNED,
    SHORT_CHARS,
    STOPPED,
    TABLE_CHARS,
    chosen_text,
    ended_for_safety,
    idea_texts,
    said_done,
    kind_end,
    schedule_rows,
    shown,
    step_views,
    vague,
)

PROBLEM, CONCRETE, IDEAS, HELPFUL, DOABLE, CHOOSE, REMINDERS = (
    "problem", "concrete", "ideas", "helpful", "doable", "choose", "reminders",
)  # fmt: skip
KEEP, ENOUGH = "keep", "enough"  # [Keep it as it is], [That's all]
BOTH, REVIEW_ONLY, NEITHER = "both", "review", "neither"
IDEA = "i"  # "i:<n>" chooses idea n

NUMBERS = {
    PROBLEM: 1, CONCRETE: 1, IDEAS: 2, HELPFUL: 3, DOABLE: 3, CHOOSE: 4,
    planning.ACTION: 5, planning.DAY: 5, planning.TIME: 5, planning.MORE: 5, REMINDERS: 6,
}  # fmt: skip
TOTAL = max(NUMBERS.values())
_SEPARATORS = re.compile(r"[,;\n]+")


def position(ctx: Ctx, step: str) -> dict[str, Any]:
    return {"n": NUMBERS[step], "total": TOTAL}


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    return [Reply(ctx.render("solve/intro"))], PROBLEM


# --------------------------------------------------------------------- the problem


def _typed(answer: Answer, tap_template: str) -> str:
    typed = " ".join((answer.text or "").split())
    if not typed:
        raise Invalid(tap_template)
    return typed


def read_problem(ctx: Ctx, answer: Answer) -> None:
    ctx.data["problem"] = _typed(answer, "solve/problem_tap")


def after_problem(ctx: Ctx) -> str:
    return CONCRETE if vague(ctx, ctx.data["problem"]) else IDEAS


def read_concrete(ctx: Ctx, answer: Answer) -> None:
    if answer.choice == KEEP:
        ctx.data["goal"] = None
        return
    ctx.data["goal"] = _typed(answer, "solve/concrete_tap")


def problem_variables(ctx: Ctx, step: str) -> dict[str, Any]:
    return {**position(ctx, step), "problem": shown(ctx.data, "problem"), "goal": shown(ctx.data, "goal")}


# ----------------------------------------------------------------------- ideas


def _ideas(ctx: Ctx) -> list[dict]:
    return ctx.data.setdefault("ideas", [])


def read_ideas(ctx: Ctx, answer: Answer) -> None:
    ideas = _ideas(ctx)
    if answer.choice == ENOUGH or (answer.text is not None and said_done(ctx, answer.text)):
        if len(ideas) < 2:
            raise Invalid("solve/ideas_more", count=len(ideas))
        ctx.data["ideas_done"] = True
        return
    if answer.text is None:
        raise Invalid("solve/ideas_tap", count=len(ideas))
    said = [" ".join(part.split()).strip(" .-•*") for part in _SEPARATORS.split(answer.text)]
    said = [idea for idea in said if idea]
    if not said:
        raise Invalid("solve/ideas_tap", count=len(ideas))
    if any(len(idea) > IDEA_CHARS for idea in said):
        raise Invalid("solve/idea_long", limit=IDEA_CHARS)
    known = {idea["text"].casefold() for idea in ideas}
    for idea in said:
        if idea.casefold() not in known and len(ideas) < MAX_IDEAS:
            ideas.append({"text": idea})
            known.add(idea.casefold())
    if len(ideas) >= MAX_IDEAS:
        ctx.data["ideas_done"] = True


def after_ideas(ctx: Ctx) -> str:
    return HELPFUL if ctx.data.get("ideas_done") else IDEAS


def ideas_options(ctx: Ctx) -> OptionRows:
    return [[Option(ENOUGH, ctx.button("solve_thats_all"))]]


def ideas_variables(ctx: Ctx) -> dict[str, Any]:
    return {**problem_variables(ctx, IDEAS), "ideas": idea_texts(ctx.data, SHORT_CHARS), "most": MAX_IDEAS}


# ----------------------------------------------------------------- rating each


def _rating(ctx: Ctx) -> int:
    """The idea being rated: the first without both numbers."""
    return next((i for i, idea in enumerate(_ideas(ctx)) if "doable" not in idea), len(_ideas(ctx)))


def read_helpful(ctx: Ctx, answer: Answer) -> None:
    _ideas(ctx)[_rating(ctx)]["helpful"] = scales.read(answer, 10)


def read_doable(ctx: Ctx, answer: Answer) -> None:
    _ideas(ctx)[_rating(ctx)]["doable"] = scales.read(answer, 10)


def after_doable(ctx: Ctx) -> str:
    return HELPFUL if _rating(ctx) < len(_ideas(ctx)) else CHOOSE


def rating_variables(step: str):
    def variables(ctx: Ctx) -> dict[str, Any]:
        number = _rating(ctx)
        return {**position(ctx, step), "number": number + 1, "count": len(_ideas(ctx)), "idea": idea_texts(ctx.data)[number]}

    return variables


def scale_options(ctx: Ctx) -> OptionRows:
    return scales.options(10)


# ------------------------------------------------------------------ choosing one


def ranked(ctx: Ctx) -> list[int]:
    """The ideas' indexes, the most promising first (help and doability together; help
    breaks a tie, then the order they came in)."""
    ideas = _ideas(ctx)
    return sorted(range(len(ideas)), key=lambda i: (-(ideas[i]["helpful"] + ideas[i]["doable"]), -ideas[i]["helpful"], i))


def read_choose(ctx: Ctx, answer: Answer) -> None:
    """A tapped idea ("i:<index>"), or typed: its number as shown in the list, or its words."""
    ideas = _ideas(ctx)
    index: int | None = None
    if answer.choice is not None:
        kind, _, value = answer.choice.partition(":")
        index = int(value) if kind == IDEA and value.isdigit() else None
    else:
        said = " ".join((answer.text or "").split()).casefold()
        order = ranked(ctx)
        if said.isdigit() and 1 <= int(said) <= len(order):
            index = order[int(said) - 1]  # as numbered in the comparison
        elif "ideas" not in ctx.hidden:
            index = next((i for i, idea in enumerate(ideas) if idea["text"].casefold() == said), None)
    if index is None or not 0 <= index < len(ideas):
        raise Invalid("solve/choose_tap")
    ctx.data["chosen"] = index


def choose_options(ctx: Ctx) -> OptionRows:
    texts = idea_texts(ctx.data, SHORT_CHARS)
    return [[Option(f"{IDEA}:{i}", texts[i] or ctx.button("solve_idea", n=i + 1))] for i in ranked(ctx)]


def choose_variables(ctx: Ctx) -> dict[str, Any]:
    texts = idea_texts(ctx.data, TABLE_CHARS)
    ideas = _ideas(ctx)
    table = [{"text": texts[i], "helpful": ideas[i]["helpful"], "doable": ideas[i]["doable"]} for i in ranked(ctx)]
    return {**position(ctx, CHOOSE), "table": table}


def chosen(ctx: Ctx) -> str | None:
    return chosen_text(ctx.data)


# -------------------------------------------------------------------- reminders


def after_plan(ctx: Ctx) -> str | None:
    """Reminders and a look back are offered to those who keep entries: without that,
    nothing they wrote outlives the practice, so there is nothing to remind them of."""
    return REMINDERS if ctx.keeps else None


def read_reminders(ctx: Ctx, answer: Answer) -> None:
    if answer.choice not in (BOTH, REVIEW_ONLY, NEITHER):
        raise Invalid("solve/reminders_tap")
    ctx.data["reminders"] = answer.choice == BOTH
    ctx.data["review"] = answer.choice in (BOTH, REVIEW_ONLY)


def reminders_options(ctx: Ctx) -> OptionRows:
    return [
        [Option(BOTH, ctx.button("solve_remind_both"))],
        [Option(REVIEW_ONLY, ctx.button("solve_remind_review"))],
        [Option(NEITHER, ctx.button("solve_remind_neither"))],
    ]


# ---------------------------------------------------------------------- the end


def entry_data(ctx: Ctx) -> dict[str, Any]:
    d = ctx.data
    return {
        "problem": d.get("problem"),
        "goal": d.get("goal"),
        "ideas": [dict(idea) for idea in d.get("ideas", [])],
        "chosen": d.get("chosen"),
        "steps": [dict(step) for step in d.get("steps", [])],
        "reminders": bool(d.get("reminders")),
        "review": bool(d.get("review")),
        "status": PLANNED,
        "reviews": [],
        "hidden": sorted(ctx.hidden),
    }


def finish(ctx: Ctx) -> list[Reply]:
    data = entry_data(ctx)
    if ended_for_safety(ctx):
        pending = ctx.data.get("action")
        if pending:  # a step typed but not yet given a time: still theirs
            data["steps"].append({"text": pending, "when": None})
        ctx.record(KIND, {**data, "status": STOPPED, "ended_for_safety": True, "reminders": False, "review": False})
        return kind_end(ctx)
    entry = ctx.record(KIND, data)
    if ctx.keeps:
        schedule_rows(ctx, entry, data["steps"])
    card = ctx.render(
        "solve/summary",
        problem=shown(data, "problem", SHORT_CHARS),
        goal=shown(data, "goal", SHORT_CHARS),
        chosen=chosen_text(data, SHORT_CHARS),
        steps=step_views(data, data["steps"]),
    )
    said = ctx.render("solve/saved", d=data, kept=ctx.keeps, ideas=len(data["ideas"]), review_at=data.get("review_at"))
    return [Reply(card), Reply(said, next_steps.rows(next_steps.go(ctx, "checkin"), next_steps.go(ctx, "thought")))]


def cancelled(ctx: Ctx) -> list[Reply]:
    return [Reply(ctx.render("solve/cancelled"))]


FLOW = Flow.of(
    KIND,
    KIND,
    [
        Step(PROBLEM, "solve/problem", read_problem, after_problem, goes_to=(CONCRETE, IDEAS), fills="problem",
             variables=lambda ctx: position(ctx, PROBLEM), max_chars=400),
        Step(CONCRETE, "solve/concrete", read_concrete, IDEAS, fills="goal",
             options=lambda ctx: [[Option(KEEP, ctx.button("solve_keep"))]],
             variables=lambda ctx: problem_variables(ctx, CONCRETE), max_chars=400),
        Step(IDEAS, "solve/ideas", read_ideas, after_ideas, goes_to=(IDEAS, HELPFUL), fills="ideas",
             options=ideas_options, variables=ideas_variables, max_chars=1000),
        Step(HELPFUL, "solve/helpful", read_helpful, DOABLE, options=scale_options, variables=rating_variables(HELPFUL)),
        Step(DOABLE, "solve/doable", read_doable, after_doable, goes_to=(HELPFUL, CHOOSE), options=scale_options,
             variables=rating_variables(DOABLE)),
        Step(CHOOSE, "solve/choose", read_choose, planning.ACTION, options=choose_options, variables=choose_variables,
             max_chars=IDEA_CHARS),
        *planning.steps(after_plan, (REMINDERS, None), position, chosen),
        Step(REMINDERS, "solve/reminders", read_reminders, None, options=reminders_options,
             variables=lambda ctx: position(ctx, REMINDERS)),
    ],
    begin,
    finish,
    cancelled=cancelled,
    ends_on_risk=ENDS_ON_RISK,
)
