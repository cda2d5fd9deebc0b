"""Moving a planned activity to another day and time, started by its reminder's [Reschedule]."""

from __future__ import annotations

from datetime import datetime

from flows.dialogue.core import Ctx, Flow, Reply
from flows.practices.plan import when
from flows.practices.plan.common import KIND, MOVE_FLOW, refusal, reminder_buttons, set_time, shown_label, usable


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    entry = ctx.entry(ctx.data["entry"], KIND)
    if not usable(entry):
        return refusal(ctx, entry), None
    assert entry is not None
    return [Reply(ctx.render("plan/move_intro", label=shown_label(entry.data)))], when.DAY


def finish(ctx: Ctx) -> list[Reply]:
    entry = ctx.entry(ctx.data["entry"], KIND)
    if not usable(entry):
        return refusal(ctx, entry)
    assert entry is not None
    set_time(ctx, entry, datetime.fromisoformat(ctx.data["when"]))
    return [Reply(ctx.render("plan/moved", when=entry.data["when"], label=shown_label(entry.data)))]


def cancelled(ctx: Ctx) -> list[Reply]:
    """Left halfway: the reminder's buttons again (Telegram closed its own when tapped)."""
    return [Reply(ctx.render("plan/cancelled", mode="move"), reminder_buttons(ctx, ctx.data["entry"]))]


FLOW = Flow.of(
    MOVE_FLOW,
    None,
    when.steps(None, lambda ctx: {"label": None, "moving": True}),
    begin,
    finish,
    needs_history=True,
    cancelled=cancelled,
)
