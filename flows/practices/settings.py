"""/settings: every setting behind a button, each changed with the same questions as /start."""

from __future__ import annotations

from flows.lib import places
from flows.dialogue.core import Answer, Ctx, Flow, Invalid, Option, OptionRows, Reply, Step
from flows.practices.fields import FIELDS, SKIP, needs_timezone

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
        [Option(DONE, ctx.button("done"))],
    ]


def read_menu(ctx: Ctx, answer: Answer) -> None:
    chosen = (answer.choice or answer.text or "").strip().lower()
    if chosen not in FIELDS and chosen != DONE:
        raise Invalid("settings/menu_tap")
    ctx.data["field"] = chosen


def read_field(field: str):
    def read(ctx: Ctx, answer: Answer) -> list[Reply]:
        FIELDS[field].read(ctx, answer)
        if answer.choice == SKIP:
            return []
        ctx.data["changed"] = True
        return [Reply(ctx.render(f"settings/{field}_set"))]

    return read


def after_field(ctx: Ctx) -> str | None:
    changed = ctx.data.pop("changed", False)
    if ctx.data.pop("field", None) == "country" and changed and needs_timezone(ctx):
        ctx.data["field"] = "timezone"
        return "timezone"
    return MENU


def field_step(field: str) -> Step:
    return Step(field, f"ask/{field}", read_field(field), after_field, FIELDS[field].options)


FLOW = Flow.of(
    "settings",
    "settings",
    [
        Step(MENU, "settings/menu", read_menu, lambda ctx: None if ctx.data["field"] == DONE else ctx.data["field"], menu_options),
        *(field_step(field) for field in FIELDS),
    ],
    begin,
    finish,
)
