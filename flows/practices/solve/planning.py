"""Planning small steps, each with a day and a time in their own time zone: the steps /solve
and its review ("Plan a next step", "Try another idea") share.

A step's words are typed (`action`), then its day and time are chosen as in /plan
(flows/practices/plan/when.py reads them); after the time, it joins `steps` in the flow's
data, and up to MAX_STEPS may be planned. A step typed at "Another small step?" is the next
step's words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.dialogue.core import Answer, Ctx, Goto, Invalid, Option, OptionRows, Step
from flows.lib import markup
from flows.practices.plan import when
from flows.practices.solve.common import MAX_STEPS, STEP_CHARS, QUOTE_CHARS, step_views

ACTION, DAY, TIME, MORE = "action", when.DAY, when.TIME, "more"
ANOTHER, DONE = "another", "done"

Position = Callable[[Ctx, str], dict[str, Any]]
After = Callable[[Ctx], str | None]


def _steps(ctx: Ctx) -> list[dict]:
    return ctx.data.setdefault("steps", [])


def _pending(ctx: Ctx) -> str | None:
    """The step being planned, as it may be quoted back."""
    if "steps" in ctx.hidden:
        return None
    return markup.shorten(ctx.data.get("action"), QUOTE_CHARS)


def read_action(ctx: Ctx, answer: Answer) -> None:
    typed = " ".join((answer.text or "").split())
    if not typed:
        raise Invalid("solve/action_tap")
    ctx.data["action"] = typed


def read_time(ctx: Ctx, answer: Answer) -> Goto | None:
    """The time (plan.when reads it); then the step joins the plan."""
    chosen = when.read_time(ctx, answer)
    if chosen is not None:
        return chosen  # "Another day"
    _steps(ctx).append({"text": ctx.data.pop("action"), "when": ctx.data.pop("when")})
    ctx.data.pop("day", None)
    return None


def more_options(ctx: Ctx) -> OptionRows:
    return [[Option(ANOTHER, ctx.button("solve_another_step")), Option(DONE, ctx.button("solve_plan_done"))]]


def steps(after: After, targets: tuple[str | None, ...], position: Position, chosen: Callable[[Ctx], str | None]) -> list[Step]:
    """The planning steps; when the plan is made they go where `after` says (one of `targets`)."""

    def after_time(ctx: Ctx) -> str | None:
        return MORE if len(_steps(ctx)) < MAX_STEPS else after(ctx)

    def read_more(ctx: Ctx, answer: Answer) -> Goto:
        if answer.choice == ANOTHER:
            return Goto(ACTION)
        if answer.choice == DONE:
            return Goto(after(ctx))
        read_action(ctx, answer)  # the next step, typed straight away
        return Goto(DAY)

    def action_variables(ctx: Ctx) -> dict[str, Any]:
        # "again": the look back's "Plan a next step" (the plan had steps before)
        return {**position(ctx, ACTION), "chosen": chosen(ctx), "first": not _steps(ctx), "again": ctx.data.get("next") == "step"}

    def day_variables(ctx: Ctx) -> dict[str, Any]:
        return {**position(ctx, DAY), "label": _pending(ctx), "moving": False}

    def time_variables(ctx: Ctx) -> dict[str, Any]:
        return {**position(ctx, TIME), **when.time_variables(ctx)}

    def more_variables(ctx: Ctx) -> dict[str, Any]:
        return {**position(ctx, MORE), "steps": step_views(ctx.data, _steps(ctx)), "most": MAX_STEPS}

    return [
        Step(ACTION, "solve/action", read_action, DAY, fills="steps", variables=action_variables, max_chars=STEP_CHARS),
        Step(DAY, "solve/day", when.read_day, TIME, options=when.day_options, variables=day_variables),
        Step(TIME, "solve/time", read_time, after_time, goes_to=(DAY, MORE, *targets), options=when.time_options,
             variables=time_variables),
        Step(MORE, "solve/more", read_more, None, goes_to=(ACTION, DAY, *targets), fills="steps", options=more_options,
             variables=more_variables, max_chars=STEP_CHARS),
    ]
