"""/help: the commands, as content/commands.toml words them."""

from __future__ import annotations

from flows.dialogue.core import Ctx, Reply
from flows.dialogue.registry import Command, Practice


def show(ctx: Ctx, args: str) -> list[Reply]:
    return [Reply(ctx.render("general/help", commands=ctx.content.commands))]


PRACTICE = Practice(commands=(Command("help", show),))
