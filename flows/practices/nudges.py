"""What the bot sends when a scheduled row falls due, and the buttons in those messages.

Scheduled rows hold ids and times only; the words are made here when the row is sent.
Reminder wording is neutral (it may show on a locked screen): never the activity, a
thought or a mood. Their buttons work at any moment, in the middle of another practice
too, and every id in them is checked against the person who pressed it.
"""

from __future__ import annotations

from flows.practices import mood, plan
from flows.lib import scales, schedule
from flows.dialogue.core import Button, Ctx, Due, Reply

# A button's answer: (replies, a short practice to start or None, that practice's data).
Handled = tuple[list[Reply], str | None, dict] | None


def replies(ctx: Ctx, due: Due) -> list[Reply]:
    if due.kind == "mood_prompt":
        return mood_prompt(ctx)
    if due.kind == "plan_reminder":
        return plan.reminder(ctx, due)
    return []


def missed(ctx: Ctx, due: Due) -> None:
    """A row that fell due while the bot was down for too long is not sent late."""
    if due.kind == "plan_reminder":
        plan.missed(ctx, due)


def mood_prompt(ctx: Ctx) -> list[Reply]:
    """The daily prompt, with the scale in it: one tap logs the mood. Not sent if they
    already logged a mood this (local) day."""
    today = schedule.local_date(ctx.now, ctx.settings)
    for entry in ctx.history:
        if entry.kind == "mood" and schedule.local_day_of(entry.at, ctx.settings) == today:
            return []
    rows = tuple(
        tuple(Button(option.label, data=f"g:mp:{option.value}") for option in row) for row in scales.options(10)
    )
    return [Reply(ctx.render("nudge/mood_prompt"), rows)]


# Buttons whose answer reads the person's entries (the engine loads them first).
NEEDS_HISTORY = {"mp", *plan.BUTTONS}


def button(ctx: Ctx, action: str, argument: str) -> Handled:
    if action == "mp":  # a tap on the daily prompt's scale
        if not argument.isdigit() or not 0 <= int(argument) <= 10:
            return [Reply(ctx.render("general/stale_button", in_flow=False))], None, {}
        return mood.after(ctx, mood.log(ctx, int(argument))), None, {}
    return plan.button(ctx, action, argument)
