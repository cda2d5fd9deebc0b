"""The crisis card: help lines and the emergency number for a country, at any moment.

This answer must never fail, so every card is rendered and checked against Telegram's
rules when the bot starts (`check_all`), and the adapters fall back to plain text.
"""

from __future__ import annotations

from datetime import datetime, timezone

from flows import markup, places
from flows.content import Content, ContentError
from flows.core import Button, Ctx, Reply, Settings, in_rows

BUTTONS_PER_ROW = 3


def replies(ctx: Ctx, asked: str | None) -> list[Reply]:
    """The card for the country asked for, else the person's country, else the fallback."""
    code = places.parse_country(asked) if asked else ctx.settings.country
    lines = ctx.content.crisis_lines.get(code or "")
    if lines is not None:
        return [Reply(ctx.render("crisis/card", lines=lines, country=lines.country))]
    return [fallback(ctx, asked)]


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
        ctx = Ctx(Settings(country=code), {}, content, now)
        for reply in replies(ctx, None):
            try:
                markup.check(reply.text)
            except markup.MarkupError as exc:
                where = f"crisis/{code}.toml" if code else "the crisis fallback"
                raise ContentError(f"{where} renders a message Telegram would refuse: {exc}") from None
