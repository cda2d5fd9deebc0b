"""The four settings a person can change, each read the same way wherever it is asked:
in onboarding, in /settings, and in the shortcuts /country, /timezone and /reminder.

A reader takes an answer (a tapped option or typed text), stores the setting and returns
nothing, or raises `Invalid` naming what was wrong with an example that works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flows.lib import places
from flows.dialogue.core import Answer, Button, Ctx, Invalid, Option, OptionRows, Reply, in_rows

SKIP = "skip"
OFF = "off"
OFF_WORDS = {OFF, "none", "no", "never"}
YES_WORDS = {"yes", "y", "yeah", "yep", "sure", "ok", "okay", "keep"}
NO_WORDS = {"no", "n", "nope", "don't", "dont"}
SKIP_WORDS = {"skip", "keep", "keep it", "leave it", "same"}  # typed: the setting stays as it is


def _typed_or_chosen(answer: Answer) -> str:
    return (answer.choice if answer.choice is not None else answer.text or "").strip()


# --------------------------------------------------------------------------- consent


def read_consent(ctx: Ctx, answer: Answer) -> None:
    said = _typed_or_chosen(answer).lower()
    if said in YES_WORDS:
        ctx.settings.consent = True
    elif said in NO_WORDS:
        if ctx.settings.consent:  # withdrawn: what was kept stays until they erase it
            ctx.data["consent_withdrawn"] = True
        ctx.settings.consent = False
    else:
        raise Invalid("settings/consent_unclear")


def consent_options(ctx: Ctx) -> OptionRows:
    return [[Option("yes", ctx.button("consent_yes")), Option("no", ctx.button("consent_no"))]]


def setting_reader(setting: str, parse: Callable[[str], str | None], *, can_turn_off: bool = False):
    """A reader for a setting given as text (or a tapped option carrying that text).

    Skip keeps the setting as it is; "off" clears it where that means something.
    """

    def read(ctx: Ctx, answer: Answer) -> None:
        said = _typed_or_chosen(answer)
        if answer.choice == SKIP or (answer.choice is None and said.casefold() in SKIP_WORDS):
            return
        if can_turn_off and said.lower() in OFF_WORDS:
            setattr(ctx.settings, setting, None)
            return
        value = parse(said)
        if value is None:
            raise Invalid(f"settings/{setting}_unknown", typed=said)
        setattr(ctx.settings, setting, value)

    return read


def country_options(ctx: Ctx) -> OptionRows:
    options = [Option(code, places.country_name(code)) for code in ctx.content.choices["countries"]]
    return [*in_rows(options, 2), [Option(SKIP, ctx.button("skip"))]]


def suggested_zones(ctx: Ctx) -> list[str]:
    return places.suggest_timezones(ctx.settings.country) if ctx.settings.country else []


def timezone_options(ctx: Ctx) -> OptionRows:
    options = [Option(zone, places.timezone_label(zone)) for zone in suggested_zones(ctx)]
    return [*in_rows(options, 2), [Option(SKIP, ctx.button("skip"))]]


def needs_timezone(ctx: Ctx) -> bool:
    """True when the time zone is unset or does not belong to the country just chosen."""
    if ctx.settings.timezone is None:
        return True
    country_zones = places.suggest_timezones(ctx.settings.country, limit=1000) if ctx.settings.country else []
    return bool(country_zones) and ctx.settings.timezone not in country_zones


def one_timezone(ctx: Ctx) -> list[Reply]:
    """A country that keeps one clock (the UK) needs no time zone question: when the zone
    would be asked, it is set, and said so (nothing when there is a choice to make)."""
    zone = places.single_timezone(ctx.settings.country) if ctx.settings.country else None
    if zone is None or not needs_timezone(ctx):
        return []
    ctx.settings.timezone = zone
    return [Reply(ctx.render("settings/timezone_one"))]


def keep_or_off(ctx: Ctx, setting: str, off: str) -> list[Option]:
    """The way out of a time question, as one button: with nothing set, turning it off and
    leaving it as it is are the same ([No reminder]); with a time set, [Keep 20:00] too."""
    current = getattr(ctx.settings, setting)
    kept = [Option(SKIP, ctx.button("keep_setting", value=current))] if current else []
    return [*kept, Option(OFF, ctx.button(off))]


def reminder_options(setting: str) -> Callable[[Ctx], OptionRows]:
    """Times to tap for a daily time setting (a check-in, a lesson, a note), and the way out."""

    def options(ctx: Ctx) -> OptionRows:
        times = [Option(time, time) for time in ctx.content.choices["reminder_times"]]
        return [*in_rows(times, 3), keep_or_off(ctx, setting, "no_reminder")]

    return options


WEEKDAY_NAMES = {"mon": "mon", "monday": "mon", "tue": "tue", "tues": "tue", "tuesday": "tue", "wed": "wed",
                 "wednesday": "wed", "thu": "thu", "thur": "thu", "thurs": "thu", "thursday": "thu", "fri": "fri",
                 "friday": "fri", "sat": "sat", "saturday": "sat", "sun": "sun", "sunday": "sun"}  # fmt: skip


def parse_weekly(said: str) -> str | None:
    """ "Sunday 20:00", "fri 6pm", "sun" (at 20:00) -> "sun 20:00"; None if unreadable."""
    words = said.strip().casefold().replace(",", " ").split(maxsplit=1)
    day = WEEKDAY_NAMES.get(words[0]) if words else None
    hhmm = places.parse_time(words[1]) if len(words) > 1 else "20:00"
    return f"{day} {hhmm}" if day and hhmm else None


def weekly_options(ctx: Ctx) -> OptionRows:
    at = ctx.settings.reminder or "20:00"
    return [[Option(f"sun {at}", ctx.button("weekly_sunday", time=at))], keep_or_off(ctx, "weekly", "off")]


@dataclass(frozen=True)
class Field:
    name: str
    read: Callable[[Ctx, Answer], None]
    options: Callable[[Ctx], OptionRows]


FIELDS = {
    field.name: field
    for field in (
        Field("consent", read_consent, consent_options),
        Field("country", setting_reader("country", places.parse_country), country_options),
        Field("timezone", setting_reader("timezone", places.parse_timezone), timezone_options),
        Field("reminder", setting_reader("reminder", places.parse_time, can_turn_off=True), reminder_options("reminder")),
        Field("lesson_time", setting_reader("lesson_time", places.parse_time, can_turn_off=True), reminder_options("lesson_time")),
        Field("weekly", setting_reader("weekly", parse_weekly, can_turn_off=True), weekly_options),
        Field("belief_log", setting_reader("belief_log", places.parse_time, can_turn_off=True), reminder_options("belief_log")),
    )
}


def acknowledge(ctx: Ctx, field: str) -> list[Reply]:
    """The confirmation after a setting changed; a new country also offers its time zones."""
    text = ctx.render(f"settings/{field}_set")
    if field == "country" and (one := one_timezone(ctx)):
        return [Reply(text), *one]
    if field == "country" and needs_timezone(ctx):
        zones = [Button(places.timezone_label(z), data=f"g:tz:{z}") for z in suggested_zones(ctx)]
        return [Reply(text, tuple(map(tuple, in_rows(zones, 2))))]
    return [Reply(text)]
