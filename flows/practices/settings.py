"""/settings: every setting behind a button, each changed with the same questions as /start;
and the shortcuts /country, /timezone and /reminder, which change one at once."""

from __future__ import annotations

from functools import partial

from flows.dialogue.core import Answer, Ctx, Flow, Goto, Invalid, Option, OptionRows, Reply, Step
from flows.dialogue.registry import Command, GlobalButton, Practice, Pressed
from flows.lib import places
from flows.practices.fields import FIELDS, SKIP, acknowledge, needs_timezone, one_timezone

DONE = "done"
MENU = "menu"


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    return [], MENU


def finish(ctx: Ctx) -> list[Reply]:
    return [Reply(ctx.render("settings/done"))]


def menu_options(ctx: Ctx) -> OptionRows:
    s = ctx.settings
    not_set = ctx.button("not_set")
    return [
        [Option("consent", ctx.button("menu_consent", value=ctx.button("on" if s.consent else "off")))],
        [Option("country", ctx.button("menu_country", value=places.country_name(s.country) if s.country else not_set))],
        [Option("timezone", ctx.button("menu_timezone", value=places.timezone_label(s.timezone) if s.timezone else not_set))],
        [Option("reminder", ctx.button("menu_reminder", value=s.reminder or ctx.button("off")))],
        [Option("lesson_time", ctx.button("menu_lesson_time", value=s.lesson_time or ctx.button("off")))],
        [Option("weekly", ctx.button("menu_weekly", value=s.weekly or ctx.button("off")))],
        [Option("belief_log", ctx.button("menu_belief_log", value=s.belief_log or ctx.button("off")))],
        [Option(DONE, ctx.button("done"))],
    ]


def read_menu(ctx: Ctx, answer: Answer) -> Goto:
    chosen = (answer.choice or answer.text or "").strip().lower()
    if chosen not in FIELDS and chosen != DONE:
        raise Invalid("settings/menu_tap")
    return Goto(None if chosen == DONE else chosen)


def read_field(field: str):
    def read(ctx: Ctx, answer: Answer) -> Goto:
        FIELDS[field].read(ctx, answer)
        if answer.choice == SKIP:
            return Goto(MENU)
        said = (Reply(ctx.render(f"settings/{field}_set")),)
        if field == "country":  # a new country: its one time zone set, or its time zone asked next
            said = (*said, *one_timezone(ctx))
        if field == "country" and needs_timezone(ctx):
            return Goto("timezone", said)
        return Goto(MENU, said)

    return read


def field_step(field: str) -> Step:
    goes_to = ("timezone",) if field == "country" else ()
    return Step(field, f"ask/{field}", read_field(field), MENU, goes_to=goes_to, options=FIELDS[field].options, fills=field)


FLOW = Flow.of(
    "settings",
    "settings",
    [
        Step(MENU, "settings/menu", read_menu, None, goes_to=tuple(FIELDS), options=menu_options),
        *(field_step(field) for field in FIELDS),
    ],
    begin,
    finish,
)


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


PRACTICE = Practice(
    flows=(FLOW,),
    commands=tuple(Command(field, partial(change_setting, field)) for field in ("country", "timezone", "reminder")),
    buttons=(
        # [Settings] (the practice they were in is left), and a suggested time zone's button.
        GlobalButton("settings", lambda ctx, argument: Pressed([], start=FLOW.name, interrupting=False)),
        GlobalButton("tz", lambda ctx, zone: Pressed(change_setting("timezone", ctx, zone))),
    ),
)
