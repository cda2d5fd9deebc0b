"""What the plan practice's flows and its reminder share: names, statuses and small helpers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flows.dialogue.core import Button, Ctx, Due, Entry, Reply
from flows.lib import schedule

KIND = "activity"
REMINDER = "plan_reminder"
PLANNED, REMINDED, DONE, MISSED = "planned", "reminded", "done", "missed"
RATE_FLOW, MOVE_FLOW = "plan_rate", "plan_when"  # started from a reminder's Done and Reschedule


def activities(ctx: Ctx) -> list[Entry]:
    return [e for e in ctx.history if e.kind == KIND]


def shown_label(data: dict) -> str | None:
    """Their activity as it may be quoted back: never words that screening flagged."""
    if "label" in data.get("hidden", []):
        return None
    return data.get("label")


def local(ctx: Ctx, instant: datetime) -> datetime:
    return instant.astimezone(schedule.zone_of(ctx.settings))


def today(ctx: Ctx) -> date:
    return schedule.local_date(ctx.now, ctx.settings)


def usable(entry: Entry | None) -> bool:
    """A plan its reminder's buttons may still act on (not gone, not already rated)."""
    return entry is not None and entry.data.get("status") != DONE


def refusal(ctx: Ctx, entry: Entry | None) -> list[Reply]:
    """A stale, forged or finished plan's button: politely, never an error."""
    done = entry is not None and entry.data.get("status") == DONE
    return [Reply(ctx.render("plan/gone", done=done))]


def set_time(ctx: Ctx, entry: Entry, when: datetime) -> None:
    """Move a plan to `when` (UTC): the reminder still due is dropped, a new one made."""
    when_iso = schedule.iso(when)
    ctx.unschedule(REMINDER, entry.id)
    entry.data["when"] = when_iso
    entry.data["status"] = PLANNED
    ctx.update(entry)
    ctx.schedule(Due(f"plan:{entry.id}:{when_iso}", REMINDER, when_iso, ref=entry.id))


def reminder_buttons(ctx: Ctx, entry_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(ctx.button("plan_done"), data=f"g:pa:{entry_id}:done"),
            Button(ctx.button("plan_not_yet"), data=f"g:pa:{entry_id}:later"),
            Button(ctx.button("plan_reschedule"), data=f"g:pa:{entry_id}:move"),
        ),
    )


def round_up_to_minute(instant: datetime) -> datetime:
    whole = instant.replace(second=0, microsecond=0)
    return whole if whole == instant else whole + timedelta(minutes=1)
