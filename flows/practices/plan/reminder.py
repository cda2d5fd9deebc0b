"""The reminder at a planned activity's time, and its buttons.

The reminder never names the activity: it can show on a locked screen. Its buttons
[Done] [Not yet] [Reschedule] work at any moment, in the middle of another practice too,
and every id in them is checked against the person who pressed it. Done starts the rating
(plan_rate), Reschedule the move (plan_when); Not yet offers a later time.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flows.dialogue.core import Button, Ctx, Due, Entry, Reply
from flows.dialogue.registry import GlobalButton, Pressed, Reads, Scheduled
from flows.lib import schedule
from flows.practices.plan.common import (
    KIND,
    MISSED,
    MOVE_FLOW,
    RATE_FLOW,
    REMINDED,
    REMINDER,
    local,
    refusal,
    reminder_buttons,
    round_up_to_minute,
    set_time,
    today,
    usable,
)

EVENINGS = (time(19, 0), time(21, 0))  # "this evening" after Not yet: the first still over an hour away
LATER_MINUTES = {"30": 30, "60": 60}


def _due_entry(ctx: Ctx, due: Due) -> Entry | None:
    """The plan a row is about, if it is still planned for the row's time."""
    entry = ctx.entry(due.ref, KIND) if due.ref is not None else None
    if not usable(entry) or entry is None or entry.data.get("when") != due.due_at:
        return None  # gone, done, or moved to another time since this row was made
    return entry


def send(ctx: Ctx, due: Due) -> list[Reply]:
    entry = _due_entry(ctx, due)
    if entry is None:
        return []
    entry.data["status"] = REMINDED
    ctx.update(entry)
    return [Reply(ctx.render("nudge/plan_reminder"), reminder_buttons(ctx, entry.id))]


def missed(ctx: Ctx, due: Due) -> None:
    """Its time passed while the bot was down too long: shown as missed, not sent late."""
    entry = _due_entry(ctx, due)
    if entry is None:
        return
    if ctx.keeps:
        entry.data["status"] = MISSED
        ctx.update(entry)
    else:
        ctx.forget(entry)  # without consent a plan is kept only until its reminder is answered


def _pressed_entry(ctx: Ctx, argument: str) -> tuple[Entry | None, str]:
    raw_id, _, what = argument.partition(":")
    return (ctx.entry(int(raw_id), KIND) if raw_id.isdigit() else None), what


def press_reminder(ctx: Ctx, argument: str) -> Pressed:
    """g:pa:<id>:done|later|move, the reminder's own buttons."""
    entry, what = _pressed_entry(ctx, argument)
    if not usable(entry):
        return Pressed(refusal(ctx, entry))
    assert entry is not None
    started = {"done": RATE_FLOW, "move": MOVE_FLOW}.get(what)
    if started is not None:
        if _already_in(ctx, started, entry.id):
            return Pressed([])  # a second tap on the same button: the question is asked again
        return Pressed([], start=started, data={"entry": entry.id})
    if what == "later":
        return Pressed([_later_offer(ctx, entry)])
    return Pressed(refusal(ctx, None))


def press_later(ctx: Ctx, argument: str) -> Pressed:
    """g:pl:<id>:30|60|evening, Not yet's times."""
    entry, what = _pressed_entry(ctx, argument)
    if not usable(entry):
        return Pressed(refusal(ctx, entry))
    assert entry is not None
    when = _later_time(ctx, what)
    if when is not None:
        set_time(ctx, entry, when)
        at = local(ctx, when)
        return Pressed([Reply(ctx.render("plan/later_set", at=at, next_day=at.date() != today(ctx)))])
    if what == "evening":
        return Pressed([Reply(ctx.render("plan/evening_gone")), _later_offer(ctx, entry)])
    return Pressed(refusal(ctx, None))


def _already_in(ctx: Ctx, flow_name: str, entry_id: int) -> bool:
    """Are they already rating (or moving) this very plan? ctx.data is the current flow's."""
    flow = ctx.state.flow
    return flow is not None and flow.name == flow_name and ctx.data.get("entry") == entry_id


def _evening(ctx: Ctx) -> datetime | None:
    """This evening, if it is still far enough ahead to be worth a button."""
    for clock in EVENINGS:
        at = schedule.at_local(today(ctx), clock, ctx.settings)
        if at > ctx.now + timedelta(minutes=max(LATER_MINUTES.values())):
            return at
    return None


def _later_time(ctx: Ctx, what: str) -> datetime | None:
    if what in LATER_MINUTES:
        return round_up_to_minute(ctx.now + timedelta(minutes=LATER_MINUTES[what]))
    if what == "evening":
        return _evening(ctx)
    return None


def _later_offer(ctx: Ctx, entry: Entry) -> Reply:
    row = [
        Button(ctx.button("plan_in_30"), data=f"g:pl:{entry.id}:30"),
        Button(ctx.button("plan_in_60"), data=f"g:pl:{entry.id}:60"),
    ]
    evening = _evening(ctx)
    if evening is not None:
        row.append(Button(ctx.button("plan_evening", time=f"{local(ctx, evening):%H:%M}"), data=f"g:pl:{entry.id}:evening"))
    other = Button(ctx.button("plan_reschedule"), data=f"g:pa:{entry.id}:move")
    return Reply(ctx.render("plan/later"), (tuple(row), (other,)))


SCHEDULED = Scheduled(REMINDER, send, missed, reads=Reads(row_entry=True))
BUTTONS = (
    GlobalButton("pa", press_reminder, needs_history=True),
    GlobalButton("pl", press_later, needs_history=True),
)
