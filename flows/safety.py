"""The risk response: what the bot says when screening finds someone may be at risk.

Screening (flows/screening.py) names the kinds of risk in a message; this module decides
what to show, in VOICE.md's safe-messaging order: one caring line, the numbers for their
country (the emergency number first when the message speaks of a plan, the means, a time
or something already done), the abuse line for harm from others, the youth line for
someone under 18, then "Are you safe right now?". A further disclosure within ten minutes
gets a shorter answer, unless it sounds more serious than the last one or speaks of a kind
of risk not yet answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.content import CountryLines, Service
from flows.core import Button, Ctx, Reply, UserState

REPEAT_WINDOW = timedelta(minutes=10)
# How serious each kind sounds; a message is as serious as its most serious kind.
SEVERITY = {"plan": 4, "suicidal": 3, "self_harm": 2, "harm_to_others": 2, "harm_from_others": 2}
YOUTH = "under_18"


@dataclass(frozen=True)
class Line:
    """A number to show: who answers and how to reach them."""

    name: str
    number: str
    text_only: bool = False


def severity(kinds: frozenset[str]) -> int:
    return max((SEVERITY.get(kind, 0) for kind in kinds), default=0)


def _service_line(service: Service) -> Line:
    if service.phone:
        return Line(service.name, service.phone)
    if service.sms:
        keyword = f"{service.sms_keyword} to " if service.sms_keyword else ""
        return Line(service.name, f"{keyword}{service.sms}", text_only=True)
    return Line(service.name, service.chat or "")


def numbers_for(lines: CountryLines | None, kinds: frozenset[str]) -> tuple[list[Line], str | None]:
    """The lines to show, in order, and the emergency number (None when the country is unknown)."""
    if lines is None:
        return [], None
    shown: list[Line] = [_service_line(lines.crisis[0])]
    if "harm_from_others" in kinds and lines.domestic_abuse:
        shown.append(_service_line(lines.domestic_abuse[0]))
    if YOUTH in kinds and lines.youth:
        shown.insert(0, _service_line(lines.youth[0]))
    return shown, lines.emergency[0].number


def _country_lines(ctx: Ctx) -> CountryLines | None:
    return ctx.content.crisis_lines.get(ctx.settings.country or "")


def safe_buttons(ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(ctx.button("safe_for_now"), data="g:safe:yes"),
            Button(ctx.button("not_safe"), data="g:safe:no"),
            Button(ctx.button("not_sure"), data="g:safe:unsure"),
        ),
    )


def next_step_buttons(ctx: Ctx, *, carry_on: bool) -> tuple[tuple[Button, ...], ...]:
    row = [Button(ctx.button("my_safety_plan"), data="g:plan")]
    if carry_on:
        row.append(Button(ctx.button("carry_on"), data="g:carry"))
    row.append(Button(ctx.button("stop_for_now"), data="g:stop"))
    return (tuple(row),)


@dataclass(frozen=True)
class Response:
    replies: list[Reply]
    full: bool  # the full response: the practice waits until they choose to carry on


def respond(ctx: Ctx, state: UserState, kinds: frozenset[str], now: datetime) -> Response:
    """The reply to a message in which screening found `kinds` (never empty)."""
    lines = _country_lines(ctx)
    shown, emergency = numbers_for(lines, kinds)
    level = severity(kinds)
    if level == 0:  # only an age mention: point to the youth line, the practice goes on
        return Response([Reply(ctx.render("safety/youth", lines=shown, emergency=emergency))], full=False)
    last = state.safety.last_response_at
    recent = last is not None and now - datetime.fromisoformat(last) < REPEAT_WINDOW
    # Shorter only when nothing is new: not more serious, and no kind of risk not yet answered.
    if recent and level <= state.safety.last_severity and kinds <= set(state.safety.last_kinds):
        return Response([Reply(ctx.render("safety/repeat", lines=shown[:1], emergency=emergency))], full=False)
    state.safety.last_response_at = now.isoformat()
    state.safety.last_severity = level
    state.safety.last_kinds = sorted(kinds | set(state.safety.last_kinds) if recent else kinds)
    text = ctx.render(
        "safety/response",
        kinds=kinds,
        lines=shown,
        emergency=emergency,
        emergency_first="plan" in kinds,
        directory=ctx.content.international.directory[0],
    )
    return Response([Reply(text, safe_buttons(ctx))], full=True)


def answer_safe(ctx: Ctx, how: str, in_flow: bool) -> list[Reply]:
    """The reply to [Safe for now] [Not safe] [Not sure]."""
    lines = _country_lines(ctx)
    emergency = lines.emergency[0].number if lines else None
    if how == "yes":
        return [Reply(ctx.render("safety/safe_for_now"), next_step_buttons(ctx, carry_on=True))]
    return [
        Reply(ctx.render("safety/not_safe", emergency=emergency)),
        Reply(ctx.render("safety/grounding"), next_step_buttons(ctx, carry_on=in_flow)),
    ]
