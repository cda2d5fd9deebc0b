"""After the plan: a neutral reminder at each step's time, and a look back the day after the
last step (did you do it, did it help, what next?).

Both are scheduled rows holding the entry's id and a time, and their words never name the
problem or the step: a locked screen may show them. The reminder's [Show me the step] shows
the step in the chat; the look back's [Look back now] starts `solve_review`, which works at
any moment (the practice they are in waits). What next may be "It's sorted", "Leave it for
now", "Plan a next step" or "Try another idea" (one they had not tried): the last two plan
steps again, with their reminders and another look back, on the same entry.
"""

from __future__ import annotations

from typing import Any

from flows.dialogue.core import Answer, Button, Ctx, Due, Entry, Flow, Goto, Invalid, Option, OptionRows, Reply, Step
from flows.dialogue.registry import GlobalButton, Pressed, Reads, Scheduled
from flows.lib import scales
from flows.practices.solve import planning
from flows.practices.solve.common import (
    ENDS_ON_RISK,
    KIND,
    LEFT,
    PLANNED,
    REMINDER,
    REVIEW,
    REVIEW_FLOW,
    SHORT_CHARS,
    SORTED,
    STOPPED,
    chosen_text,
    ended_for_safety,
    idea_texts,
    kind_end,
    schedule_rows,
    shown,
    step_views,
)

DID, HELPED, NEXT, OTHER = "did", "helped", "next", "other"
YES, PARTLY, NOT_YET = "yes", "partly", "no"
IS_SORTED, NEXT_STEP, ANOTHER_IDEA, LEAVE = "sorted", "step", "idea", "leave"
IDEA = "i"


# ------------------------------------------------------------------ the entry


def _entry(ctx: Ctx, entry_id: Any) -> Entry | None:
    return ctx.entry(int(entry_id), KIND) if str(entry_id).isdigit() else None


def usable(entry: Entry | None) -> bool:
    """A plan its buttons may still act on: there, and not yet looked back on for good."""
    return entry is not None and entry.data.get("status") == PLANNED


def refusal(ctx: Ctx, entry: Entry | None) -> list[Reply]:
    """A stale, forged or finished plan's button: politely, never an error."""
    return [Reply(ctx.render("solve/gone", reviewed=entry is not None))]


def look_back_button(ctx: Ctx, entry_id: int) -> tuple[tuple[Button, ...], ...]:
    return ((Button(ctx.button("solve_look_back"), data=f"g:solveback:{entry_id}"),),)


# ------------------------------------------------------------- the reminders


def send_reminder(ctx: Ctx, due: Due) -> list[Reply]:
    entry = _entry(ctx, due.ref)
    if not usable(entry):
        return []
    assert entry is not None
    index = next((i for i, step in enumerate(entry.data.get("steps", [])) if step.get("when") == due.due_at), None)
    if index is None:
        return []  # a step no longer planned for that time
    show = Button(ctx.button("solve_show_step"), data=f"g:solvestep:{entry.id}:{index}")
    return [Reply(ctx.render("solve/reminder_due"), ((show,),))]


def press_show_step(ctx: Ctx, argument: str) -> Pressed:
    """g:solvestep:<entry id>:<step>: the step, in the chat (the reminder never names it)."""
    raw_id, _, raw_index = argument.partition(":")
    entry = _entry(ctx, raw_id)
    steps = entry.data.get("steps", []) if entry is not None else []
    if entry is None or not raw_index.isdigit() or int(raw_index) >= len(steps):
        return Pressed(refusal(ctx, None))
    step = step_views(entry.data, [steps[int(raw_index)]], 200)[0]
    said = ctx.render("solve/step_shown", step=step, review_at=entry.data.get("review_at") if usable(entry) else None)
    return Pressed([Reply(said)])


def send_review(ctx: Ctx, due: Due) -> list[Reply]:
    entry = _entry(ctx, due.ref)
    if not usable(entry) or entry is None or entry.data.get("review_at") != due.due_at:
        return []  # gone, looked back on already, or planned again since
    return [Reply(ctx.render("solve/review_due"), look_back_button(ctx, entry.id))]


def missed_review(ctx: Ctx, due: Due) -> None:
    """The bot was down too long at the look back's time: it comes the day after instead."""
    entry = _entry(ctx, due.ref)
    if not usable(entry) or entry is None or entry.data.get("review_at") != due.due_at:
        return
    schedule_rows(ctx, entry, [{"when": due.due_at}], review_only=True)
    ctx.update(entry)


def press_look_back(ctx: Ctx, argument: str) -> Pressed:
    """g:solveback:<entry id>: the look back starts; the practice they are in waits."""
    entry = _entry(ctx, argument)
    if not usable(entry):
        return Pressed(refusal(ctx, entry))
    assert entry is not None
    flow = ctx.state.flow
    if flow is not None and flow.name == REVIEW_FLOW and ctx.data.get("entry") == entry.id:
        return Pressed([])  # a second tap: the question is asked again
    return Pressed([], start=REVIEW_FLOW, data={"entry": entry.id})


# -------------------------------------------------------------- the look back


def _the_entry(ctx: Ctx) -> Entry:
    entry = _entry(ctx, ctx.data["entry"])
    assert entry is not None  # begin and finish check it; in between, only this person changes it
    return entry


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    entry = _entry(ctx, ctx.data["entry"])
    if not usable(entry):
        return refusal(ctx, entry), None
    return [], DID


def no_position(ctx: Ctx, step: str) -> dict[str, Any]:
    return {"n": 0, "total": 0}


def did_variables(ctx: Ctx) -> dict[str, Any]:
    entry = _the_entry(ctx)
    return {"problem": shown(entry.data, "problem"), "chosen": chosen_text(entry.data)}


def read_did(ctx: Ctx, answer: Answer) -> None:
    if answer.choice not in (YES, PARTLY, NOT_YET):
        raise Invalid("solve/did_tap")
    ctx.data["did"] = answer.choice


def after_did(ctx: Ctx) -> str:
    return NEXT if ctx.data["did"] == NOT_YET else HELPED


def read_helped(ctx: Ctx, answer: Answer) -> None:
    ctx.data["helped"] = scales.read(answer, 10)


def _untried(ctx: Ctx) -> list[int]:
    data = _the_entry(ctx).data
    tried = {*data.get("tried", []), data.get("chosen")}
    return [i for i in range(len(data.get("ideas", []))) if i not in tried]


def next_options(ctx: Ctx) -> OptionRows:
    rows = [[Option(IS_SORTED, ctx.button("solve_sorted"))], [Option(NEXT_STEP, ctx.button("solve_next_step"))]]
    if _untried(ctx):
        rows.append([Option(ANOTHER_IDEA, ctx.button("solve_other_idea"))])
    rows.append([Option(LEAVE, ctx.button("solve_leave"))])
    return rows


def read_next(ctx: Ctx, answer: Answer) -> Goto:
    offered = {o.value for row in next_options(ctx) for o in row}
    if answer.choice not in offered:
        raise Invalid("solve/next_tap")
    ctx.data["next"] = answer.choice
    return Goto({NEXT_STEP: planning.ACTION, ANOTHER_IDEA: OTHER}.get(answer.choice))


def other_options(ctx: Ctx) -> OptionRows:
    texts = idea_texts(_the_entry(ctx).data, SHORT_CHARS)
    return [[Option(f"{IDEA}:{i}", texts[i] or ctx.button("solve_idea", n=i + 1))] for i in _untried(ctx)]


def read_other(ctx: Ctx, answer: Answer) -> None:
    kind, _, value = (answer.choice or "").partition(":")
    if kind != IDEA or not value.isdigit() or int(value) not in _untried(ctx):
        raise Invalid("solve/other_tap")
    ctx.data["chosen"] = int(value)


def chosen(ctx: Ctx) -> str | None:
    data = _the_entry(ctx).data
    return chosen_text({**data, "chosen": ctx.data.get("chosen", data.get("chosen"))})


def finish(ctx: Ctx) -> list[Reply]:
    entry = _entry(ctx, ctx.data["entry"])
    if not usable(entry):
        return refusal(ctx, entry)
    assert entry is not None
    d, data = ctx.data, entry.data
    steps = [dict(step) for step in d.get("steps", [])]
    review: dict[str, Any] = {"at": ctx.now.isoformat(timespec="seconds"), "did": d.get("did"), "helped": d.get("helped"),
                              "next": d.get("next")}
    hidden = set(data.get("hidden", [])) | ({"steps"} if "steps" in ctx.hidden else set())
    if ended_for_safety(ctx):
        pending = d.get("action")
        review.update(ended_for_safety=True, steps=[*(s["text"] for s in steps), *([pending] if pending else [])])
        hidden |= {"reviews"} if review["steps"] else set()
    else:
        review["steps"] = len(steps)
    data.setdefault("reviews", []).append(review)
    data["hidden"] = sorted(hidden)
    if ended_for_safety(ctx):
        data["status"] = STOPPED  # not looked back on again: it was never an ordinary problem
        ctx.unschedule(REMINDER, entry.id)
        ctx.unschedule(REVIEW, entry.id)
        _keep(ctx, entry)
        return kind_end(ctx)
    if d.get("next") == ANOTHER_IDEA and d.get("chosen") is not None:
        data["tried"] = [*data.get("tried", []), data.get("chosen")]
        data["chosen"] = d["chosen"]
    data["steps"] = [*data.get("steps", []), *steps]
    data["status"] = {IS_SORTED: SORTED, LEAVE: LEFT}.get(d.get("next"), PLANNED)
    if data["status"] != PLANNED:
        ctx.unschedule(REMINDER, entry.id)
        ctx.unschedule(REVIEW, entry.id)
    elif steps and ctx.keeps:
        schedule_rows(ctx, entry, steps)
    _keep(ctx, entry)
    said = ctx.render(
        "solve/reviewed",
        next=d.get("next"),
        did=d.get("did"),
        helped=d.get("helped"),
        chosen=chosen_text(data, SHORT_CHARS),
        steps=step_views(data, steps),
        review_at=data.get("review_at") if steps and data.get("review") else None,
        kept=ctx.keeps,
    )
    return [Reply(said)]


def _keep(ctx: Ctx, entry: Entry) -> None:
    """The look back is stored with the plan, if they still keep entries."""
    if ctx.keeps:
        ctx.update(entry)


def cancelled(ctx: Ctx) -> list[Reply]:
    """Left halfway: the button again, for another time (Telegram closed the first)."""
    return [Reply(ctx.render("solve/review_cancelled"), look_back_button(ctx, ctx.data["entry"]))]


FLOW = Flow.of(
    REVIEW_FLOW,
    None,
    [
        Step(DID, "solve/did", read_did, after_did, goes_to=(HELPED, NEXT), variables=did_variables,
             options=lambda ctx: [[Option(YES, ctx.button("solve_did_yes")), Option(PARTLY, ctx.button("solve_did_partly")),
                                   Option(NOT_YET, ctx.button("solve_did_no"))]]),
        Step(HELPED, "solve/helped", read_helped, NEXT, options=lambda ctx: scales.options(10)),
        Step(NEXT, "solve/next", read_next, None, goes_to=(planning.ACTION, OTHER), options=next_options,
             variables=lambda ctx: {"did": ctx.data.get("did")}),
        Step(OTHER, "solve/other", read_other, planning.ACTION, options=other_options),
        *planning.steps(lambda ctx: None, (None,), no_position, chosen),
    ],
    begin,
    finish,
    needs_history=True,
    cancelled=cancelled,
    ends_on_risk=ENDS_ON_RISK,
)

SCHEDULED = (Scheduled(REMINDER, send_reminder, reads=Reads(row_entry=True)),
             Scheduled(REVIEW, send_review, missed_review, reads=Reads(row_entry=True)))
BUTTONS = (
    GlobalButton("solvestep", press_show_step, needs_history=True),
    GlobalButton("solveback", press_look_back, needs_history=True),
)
