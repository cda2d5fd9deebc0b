"""/help: the everyday commands on one screen, and a button for each group of the rest, as
content/commands.toml words and groups them."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from flows.lib.content import HELP_GROUPS, Content
from flows.dialogue.core import Button, Ctx, Reply, in_rows
from flows.dialogue.registry import Command, GlobalButton, Practice, Pressed

EVERYDAY = HELP_GROUPS[0]
BUTTONS_PER_ROW = 2

# A page of /help reads only content (commands.toml, buttons.toml, its template), never who
# asks, so each is made once per content rather than on every /help.
_PAGES: WeakKeyDictionary[Content, dict[str, Reply]] = WeakKeyDictionary()


def _buttons(content: Content, shown: str) -> tuple[tuple[Button, ...], ...]:
    """A button for every other group that has commands."""
    groups = [g for g in HELP_GROUPS[1:] if g != shown and any(c.group == g for c in content.commands)]
    buttons = [Button(content.button(f"help_{g}"), data=f"g:help:{g}") for g in groups]
    return tuple(map(tuple, in_rows(buttons, BUTTONS_PER_ROW)))


def _make(content: Content, group: str) -> Reply:
    commands = [c for c in content.commands if c.group == group]
    if group == EVERYDAY:
        return Reply(content.render("general/help", commands=commands), _buttons(content, group))
    title = content.button(f"help_{group}")
    return Reply(content.render("general/help_group", title=title, commands=commands), _buttons(content, group))


def page(content: Content, group: str) -> Reply:
    """The /help page for a group (EVERYDAY: /help itself)."""
    pages = _PAGES.setdefault(content, {})
    if group not in pages:
        pages[group] = _make(content, group)
    return pages[group]


def show(ctx: Ctx, args: str) -> list[Reply]:
    return [page(ctx.content, EVERYDAY)]


def press_group(ctx: Ctx, group: str) -> Pressed:
    return Pressed([page(ctx.content, group if group in HELP_GROUPS[1:] else EVERYDAY)])


PRACTICE = Practice(commands=(Command("help", show),), buttons=(GlobalButton("help", press_group),))
