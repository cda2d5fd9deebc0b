"""The crisis card: help lines and the emergency number for a country, at any moment.

One screen first: the main crisis line and the emergency number. [More help lines] shows the
rest (other crisis lines, text and chat services, youth and abuse lines, the worldwide
directories); [My safety plan] shows their own plan, when they have one. A country we have
no lines for gets the worldwide directories and the advice to call the local emergency
number at once; with no country at all, countries to tap, the likeliest first.

This answer must never fail, so every card is rendered and checked against Telegram's
rules when the bot starts (`check_all`), and the adapters fall back to plain text.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flows.lib import markup, places
from flows.practices import safetyplan
from flows.lib.content import Content, ContentError, CountryLines
from flows.dialogue.core import Button, Ctx, Reply, Settings, in_rows
from flows.dialogue.registry import Command, GlobalButton, Practice, Pressed

BUTTONS_PER_ROW = 3
STALE_AFTER = timedelta(days=365)  # lines change: re-check every entry at least once a year
# The card's buttons: g:crisismore:<CC>, g:crisisplan. Like the country buttons (g:crisis:<CC>),
# they start "g:crisis", so a tap leaves them open (bot/telegram_adapter.py KEEP_OPEN).
MORE, PLAN = "crisismore", "crisisplan"


def replies(ctx: Ctx, asked: str | None) -> list[Reply]:
    """The card for the country asked for, else the person's country, else the fallback."""
    code = places.parse_country(asked) if asked else ctx.settings.country
    lines = ctx.content.crisis_lines.get(code or "")
    return [card(ctx, lines) if lines else fallback(ctx, asked, code)]


def card(ctx: Ctx, lines: CountryLines) -> Reply:
    """One screen: the main line and the emergency number, then buttons to the rest."""
    buttons = [Button(ctx.button("more_help_lines"), data=f"g:{MORE}:{lines.country}")]
    if ctx.safety_plan:  # their own plan: their reasons, their people (no one has one in a group)
        buttons.append(Button(ctx.button("my_safety_plan"), data=f"g:{PLAN}"))
    return Reply(ctx.render("crisis/card", lines=lines, country=lines.country), (tuple(buttons),))


def more(ctx: Ctx, lines: CountryLines) -> list[Reply]:
    """Every other line for the country, and the worldwide directories: a screen each, as
    many as it takes."""
    parts = [part for part, has in (("crisis", lines.crisis[1:]), ("youth", lines.youth), ("abuse", lines.domestic_abuse)) if has]

    def render(shown: list[str], first: bool) -> str:
        return ctx.render("crisis/more", lines=lines, country=lines.country, parts=shown, first=first,
                          directories=ctx.content.international.directory)

    return [Reply(text) for text in markup.pack(render, [*parts, "world"])]


def fallback(ctx: Ctx, asked: str | None, code: str | None = None) -> Reply:
    """Worldwide directories and the advice to call the local emergency number; countries to
    tap (the likeliest first) unless they named a country we have no lines for."""
    known = code is not None and places.parse_country(code) == code  # a real country, with no lines here
    text = ctx.render(
        "crisis/fallback",
        asked=None if known else asked,
        country=code if known else None,
        directories=ctx.content.international.directory,
        has_country=ctx.settings.country is not None,
    )
    if known:
        return Reply(text)
    codes = places.likely_countries(list(ctx.content.crisis_lines), ctx.state.language, ctx.content.choices.get("countries", []))
    buttons = [Button(places.country_name(c), data=f"g:crisis:{c}") for c in codes]
    return Reply(text, tuple(map(tuple, in_rows(buttons, BUTTONS_PER_ROW))))


def press_more(ctx: Ctx, code: str) -> Pressed:
    lines = ctx.content.crisis_lines.get(code)
    return Pressed(more(ctx, lines) if lines else [fallback(ctx, None)])


def press_plan(ctx: Ctx, argument: str) -> Pressed:
    """Their safety plan as it is, to read (/safetyplan changes it); the practice they were in
    carries on after it."""
    if not ctx.safety_plan:
        return Pressed([Reply(ctx.render("crisis/no_plan"))])
    return Pressed(safetyplan.show_plan(ctx))


def check_all(content: Content) -> None:
    """Render every country's card and more lines, and the fallbacks; raise ContentError if
    Telegram would refuse one."""
    now = datetime.now(timezone.utc)
    for code in [*content.crisis_lines, None, "NG"]:
        ctx = Ctx.bare(content, now, Settings(country=code))
        lines = content.crisis_lines.get(code or "")
        shown = [*replies(ctx, None), *(more(ctx, lines) if lines else []), fallback(ctx, "Atlantis")]
        for reply in shown:
            try:
                markup.check(reply.text)
            except markup.MarkupError as exc:
                where = f"crisis/{code}.toml" if lines else "the crisis fallback"
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


# /crisis and its buttons work everywhere, group chats included (a plan is only ever private).
PRACTICE = Practice(
    commands=(Command("crisis", show, groups=True),),
    buttons=(
        GlobalButton("crisis", lambda ctx, country: Pressed(replies(ctx, country or None)), groups=True),
        GlobalButton(MORE, press_more, groups=True),
        GlobalButton(PLAN, press_plan),
    ),
)
