"""Commands that answer at once, inside or outside a flow, without leaving it.

Each takes the context and the text after the command and returns replies; the engine
then asks the current question again. Commands that start a flow live with their flow.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flows.practices import crisis, data, journal
from flows.dialogue.core import Answer, Ctx, Invalid, Reply
from flows.practices.fields import FIELDS, acknowledge


def show_help(ctx: Ctx, args: str) -> list[Reply]:
    return [Reply(ctx.render("general/help", commands=ctx.content.commands))]


def show_crisis(ctx: Ctx, args: str) -> list[Reply]:
    return crisis.replies(ctx, args.strip() or None)


def change_setting(field: str, ctx: Ctx, args: str) -> list[Reply]:
    """/country, /timezone, /reminder: with an argument, change it; without, say how."""
    said = args.strip()
    if not said:
        return [Reply(ctx.render(f"settings/{field}_usage"))]
    try:
        FIELDS[field].read(ctx, Answer(text=said))
    except Invalid as invalid:
        return [Reply(ctx.render(invalid.template, **invalid.variables))]
    return acknowledge(ctx, field)


timezone = partial(change_setting, "timezone")

INTERRUPTS: dict[str, Callable[[Ctx, str], list[Reply]]] = {
    "help": show_help,
    "journal": journal.show,
    "export": data.export,
    "crisis": show_crisis,
    "country": partial(change_setting, "country"),
    "timezone": timezone,
    "reminder": partial(change_setting, "reminder"),
}

# Commands, and buttons, whose answer reads the person's entries (the engine loads them first).
NEEDS_HISTORY = {"journal", "export"}
BUTTONS_NEEDING_HISTORY = journal.BUTTONS


def button(ctx: Ctx, action: str, argument: str):
    """Buttons of answers that work at any moment (journal pages): (replies, None, {})."""
    replies = journal.button(ctx, action, argument)
    return None if replies is None else (replies, None, {})
