"""The crisis card: help lines and the emergency number for a country, at any moment.

This answer must never fail, so every card is rendered and checked against Telegram's
rules when the bot starts (`check_all`), and the adapters fall back to plain text.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flows.lib import markup, places
from flows.practices import safetyplan
from flows.lib.content import Content, ContentError
from flows.dialogue.core import Button, Ctx, Reply, Settings, in_rows
from flows.dialogue.registry import Command, GlobalButton, Practice, Pressed

BUTTONS_PER_ROW = 3
STALE_AFTER = timedelta(days=365)  # lines change: re-check every entry at least once a year


def replies(ctx: Ctx, asked: str | None) -> list[Reply]:
    """The card for the country asked for, else the person's country, else the fallback."""
    code = places.parse_country(asked) if asked else ctx.settings.country
    lines = ctx.content.crisis_lines.get(code or "")
    card = Reply(ctx.render("crisis/card", lines=lines, country=lines.country)) if lines else fallback(ctx, asked)
    if ctx.safety_plan and not asked:  # their own plan: their reasons, their people
        return [card, safetyplan.show_plan(ctx)]
    return [card]


def fallback(ctx: Ctx, asked: str | None) -> Reply:
    """Worldwide directories, the advice to call the local emergency number, country buttons."""
    codes = sorted(ctx.content.crisis_lines, key=places.country_name)
    buttons = [Button(places.country_name(code), data=f"g:crisis:{code}") for code in codes]
    rows = tuple(map(tuple, in_rows(buttons, BUTTONS_PER_ROW)))
    text = ctx.render(
        "crisis/fallback",
        asked=asked,
        directories=ctx.content.international.directory,
        has_country=ctx.settings.country is not None,
    )
    return Reply(text, rows)


def check_all(content: Content) -> None:
    """Render every country's card and the fallback; raise ContentError if Telegram would refuse one."""
    now = datetime.now(timezone.utc)
    for code in [*content.crisis_lines, None]:
        ctx = Ctx.bare(content, now, Settings(country=code))
        for reply in replies(ctx, None):
            try:
                markup.check(reply.text)
            except markup.MarkupError as exc:
                where = f"crisis/{code}.toml" if code else "the crisis fallback"
                raise ContentError(f"{where} renders a message Telegram would refuse: {exc}") from None


def stale_entries(content: Content, today: date) -> list[str]:
    """Every crisis-line entry last checked more than a year ago, as "GB: Samaritans (2025-01-02)"."""
    stale = []
    for code, lines in sorted(content.crisis_lines.items()):
        for entry in lines.services():
            if today - entry.checked > STALE_AFTER:
                name = getattr(entry, "name", None) or f"emergency {getattr(entry, 'number', '')}"
                stale.append(f"{code}: {name} (checked {entry.checked.isoformat()})")
    for directory in content.international.directory:
        if today - directory.checked > STALE_AFTER:
            stale.append(f"international: {directory.name} (checked {directory.checked.isoformat()})")
    return stale


def show(ctx: Ctx, args: str) -> list[Reply]:
    return replies(ctx, args.strip() or None)


# /crisis and its country buttons work everywhere, group chats included.
PRACTICE = Practice(
    commands=(Command("crisis", show, groups=True),),
    buttons=(GlobalButton("crisis", lambda ctx, country: Pressed(replies(ctx, country or None)), groups=True),),
)
