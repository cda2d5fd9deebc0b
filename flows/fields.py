"""The four settings a person can change, each read the same way wherever it is asked:
in onboarding, in /settings, and in the shortcuts /country, /timezone and /reminder.

A reader takes an answer (a tapped option or typed text), stores the setting and returns
nothing, or raises `Invalid` naming what was wrong with an example that works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flows import places
from flows.core import Answer, Button, Ctx, Invalid, Option, OptionRows, Reply

SKIP = "skip"
OFF = "off"
YES_WORDS = {"yes", "y", "yeah", "yep", "sure", "ok", "okay", "keep"}
NO_WORDS = {"no", "n", "nope", "don't", "dont"}
ROW = 3


def _rows(options: list[Option], per_row: int = ROW) -> OptionRows:
    return [options[i : i + per_row] for i in range(0, len(options), per_row)]


def _typed_or_chosen(answer: Answer) -> str:
    return (answer.choice if answer.choice is not None else answer.text or "").strip()


# --------------------------------------------------------------------------- consent


def read_consent(ctx: Ctx, answer: Answer) -> None:
    said = _typed_or_chosen(answer).lower()
    if said in YES_WORDS:
        ctx.settings.consent = True
    elif said in NO_WORDS:
        ctx.settings.consent = False
    else:
        raise Invalid("settings/consent_unclear")


def consent_options(ctx: Ctx) -> OptionRows:
    return [[Option("yes", ctx.button("consent_yes")), Option("no", ctx.button("consent_no"))]]


# --------------------------------------------------------------------------- country


def read_country(ctx: Ctx, answer: Answer) -> None:
    said = _typed_or_chosen(answer)
    if answer.choice == SKIP:
        return
    code = places.parse_country(said)
    if code is None:
        raise Invalid("settings/country_unknown", typed=said)
    ctx.settings.country = code


def country_options(ctx: Ctx) -> OptionRows:
    options = [Option(code, places.country_name(code)) for code in ctx.content.choices["countries"]]
    return [*_rows(options, 2), [Option(SKIP, ctx.button("skip"))]]


# ------------------------------------------------------------------------- time zone


def read_timezone(ctx: Ctx, answer: Answer) -> None:
    said = _typed_or_chosen(answer)
    if answer.choice == SKIP:
        return
    zone = places.parse_timezone(said)
    if zone is None:
        raise Invalid("settings/timezone_unknown", typed=said)
    ctx.settings.timezone = zone


def suggested_zones(ctx: Ctx) -> list[str]:
    return places.suggest_timezones(ctx.settings.country) if ctx.settings.country else []


def timezone_options(ctx: Ctx) -> OptionRows:
    options = [Option(zone, places.timezone_label(zone)) for zone in suggested_zones(ctx)]
    return [*_rows(options, 2), [Option(SKIP, ctx.button("skip"))]]


def needs_timezone(ctx: Ctx) -> bool:
    """True when the time zone is unset or does not belong to the country just chosen."""
    if ctx.settings.timezone is None:
        return True
    country_zones = places.suggest_timezones(ctx.settings.country, limit=1000) if ctx.settings.country else []
    return bool(country_zones) and ctx.settings.timezone not in country_zones


# -------------------------------------------------------------------------- reminder


def read_reminder(ctx: Ctx, answer: Answer) -> None:
    said = _typed_or_chosen(answer)
    if answer.choice == SKIP:
        return
    if said.lower() in (OFF, "none", "no", "never"):
        ctx.settings.reminder = None
        return
    time = places.parse_time(said)
    if time is None:
        raise Invalid("settings/reminder_unknown", typed=said)
    ctx.settings.reminder = time


def reminder_options(ctx: Ctx) -> OptionRows:
    times = [Option(time, time) for time in ctx.content.choices["reminder_times"]]
    return [*_rows(times), [Option(OFF, ctx.button("no_reminder")), Option(SKIP, ctx.button("skip"))]]


@dataclass(frozen=True)
class Field:
    name: str
    read: Callable[[Ctx, Answer], None]
    options: Callable[[Ctx], OptionRows]


FIELDS = {
    field.name: field
    for field in (
        Field("consent", read_consent, consent_options),
        Field("country", read_country, country_options),
        Field("timezone", read_timezone, timezone_options),
        Field("reminder", read_reminder, reminder_options),
    )
}


def acknowledge(ctx: Ctx, field: str) -> list[Reply]:
    """The confirmation after a setting changed; a new country also offers its time zones."""
    text = ctx.render(f"settings/{field}_set")
    if field == "country" and needs_timezone(ctx):
        zones = [Button(places.timezone_label(z), data=f"g:tz:{z}") for z in suggested_zones(ctx)]
        return [Reply(text, tuple(tuple(zones[i : i + 2]) for i in range(0, len(zones), 2)))]
    return [Reply(text)]
