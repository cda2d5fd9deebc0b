"""/help: the everyday commands on one screen, and a button for each group of the rest, as
content/commands.toml words and groups them."""

from __future__ import annotations

from flows.lib.content import HELP_GROUPS
from flows.dialogue.core import Button, Ctx, Reply, in_rows
from flows.dialogue.registry import Command, GlobalButton, Practice, Pressed

EVERYDAY = HELP_GROUPS[0]
BUTTONS_PER_ROW = 2


def _buttons(ctx: Ctx, shown: str) -> tuple[tuple[Button, ...], ...]:
    """A button for every other group that has commands."""
    groups = [g for g in HELP_GROUPS[1:] if g != shown and any(c.group == g for c in ctx.content.commands)]
    buttons = [Button(ctx.button(f"help_{g}"), data=f"g:help:{g}") for g in groups]
    return tuple(map(tuple, in_rows(buttons, BUTTONS_PER_ROW)))


def show(ctx: Ctx, args: str) -> list[Reply]:
    everyday = [c for c in ctx.content.commands if c.group == EVERYDAY]
    return [Reply(ctx.render("general/help", commands=everyday), _buttons(ctx, EVERYDAY))]


def press_group(ctx: Ctx, group: str) -> Pressed:
    if group not in HELP_GROUPS[1:]:
        return Pressed([*show(ctx, "")])
    commands = [c for c in ctx.content.commands if c.group == group]
    return Pressed([Reply(ctx.render("general/help_group", title=ctx.button(f"help_{group}"), commands=commands), _buttons(ctx, group))])


PRACTICE = Practice(commands=(Command("help", show),), buttons=(GlobalButton("help", press_group),))
