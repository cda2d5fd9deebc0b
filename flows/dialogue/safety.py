"""The risk response: what the bot says when screening finds someone may be at risk.

Screening (flows/lib/screening.py) names the kinds of risk in a message; this module decides
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

from flows.lib.content import CountryLines, Service
from flows.dialogue.core import Button, Ctx, Reply, UserState
from flows.lib.risk_screen import SUICIDE_KINDS

REPEAT_WINDOW = timedelta(minutes=10)
# How serious each kind sounds; a message is as serious as its most serious kind.
SEVERITY = {"act": 5, "plan": 4, "suicidal": 3, "self_harm": 2, "harm_to_others": 2, "harm_from_others": 2}
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
    """The lines to show, in order, and the emergency number (None when the country is unknown).

    Harm from someone else puts the domestic-abuse line first (the crisis line follows, for
    what being hurt can bring); an age mention puts the youth line first."""
    if lines is None:
        return [], None
    shown: list[Line] = [_service_line(lines.crisis[0])]
    if "harm_from_others" in kinds and lines.domestic_abuse:
        abuse = _service_line(lines.domestic_abuse[0])
        shown = [abuse, *shown] if not kinds & SUICIDE_KINDS else [*shown, abuse]
    if YOUTH in kinds and lines.youth:
        shown.insert(0, _service_line(lines.youth[0]))
    return shown, lines.emergency[0].number


def abuse_line(lines: CountryLines | None) -> Line | None:
    return _service_line(lines.domestic_abuse[0]) if lines is not None and lines.domestic_abuse else None


def _country_lines(ctx: Ctx) -> CountryLines | None:
    return ctx.content.crisis_lines.get(ctx.settings.country or "")


def abuse_line_if_hurt(ctx: Ctx) -> Line | None:
    """Their country's domestic-abuse line when the screen found someone hurting them: a
    practice that stops for safety names it first."""
    return abuse_line(_country_lines(ctx)) if "harm_from_others" in ctx.risk else None


def safe_buttons(ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(ctx.button("safe_for_now"), data="g:safe:yes"),
            Button(ctx.button("not_safe"), data="g:safe:no"),
            Button(ctx.button("not_sure"), data="g:safe:unsure"),
        ),
    )


def menu(ctx: Ctx, *, carry_on: bool) -> tuple[Button, ...]:
    """The one safety menu, with the same labels wherever it shows."""
    row = [Button(ctx.button("my_safety_plan"), data="g:plan")]
    if carry_on:
        row.append(Button(ctx.button("carry_on"), data="g:carry"))
    row.append(Button(ctx.button("stop_for_now"), data="g:stop"))
    return tuple(row)


def ask_buttons(ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
    return ((Button(ctx.button("ask_yes"), data="g:ask:yes"), Button(ctx.button("ask_no"), data="g:ask:no")),)


def someone_buttons(ctx: Ctx, *, carry_on: bool) -> tuple[tuple[Button, ...], ...]:
    return (
        (Button(ctx.button("someone_yes"), data="g:someone:yes"), Button(ctx.button("someone_none"), data="g:someone:none")),
        menu(ctx, carry_on=carry_on),
    )


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
    safety = state.safety
    last = safety.last_response_at
    recent = last is not None and now - datetime.fromisoformat(last) < REPEAT_WINDOW
    # Shorter only when nothing is new: not more serious, and no kind of risk not yet answered.
    if recent and level <= safety.last_severity and kinds <= set(safety.last_kinds):
        return Response([Reply(ctx.render("safety/repeat", lines=shown[:1], emergency=emergency))], full=False)
    safety.last_response_at = now.isoformat()
    safety.last_severity = level
    safety.last_kinds = sorted(kinds | set(safety.last_kinds) if recent else kinds)
    safety.answered = None
    safety.someone_asked_at = None
    text = ctx.render(
        "safety/response",
        kinds=kinds,
        lines=shown,
        emergency=emergency,
        emergency_first="plan" in kinds,
        act="act" in kinds,
        directory=ctx.content.international.directory[0],
    )
    return Response([Reply(text, safe_buttons(ctx))], full=True)


def ask(ctx: Ctx, kinds: frozenset[str]) -> Reply:
    """The one-tap question for what the model finds probable, not certain."""
    return Reply(ctx.render("safety/ask", kinds=kinds), ask_buttons(ctx))


def answer_safe(ctx: Ctx, state: UserState, how: str, in_flow: bool) -> list[Reply]:
    """The reply to [Safe for now] [Not safe] [Not sure].

    After something already done, "safe for now" is met with the emergency advice again,
    never "I'm glad". "Not safe" repeats the crisis line with the emergency number and offers
    no [Carry on]; "Not sure" is gentler. Both ask whether someone can be with them."""
    lines = _country_lines(ctx)
    emergency = lines.emergency[0].number if lines else None
    kinds = frozenset(state.safety.last_kinds)
    state.safety.answered = how
    if how == "yes":
        abuse = abuse_line(lines) if "harm_from_others" in kinds else None
        text = ctx.render("safety/safe_for_now", act="act" in kinds, emergency=emergency, abuse=abuse)
        return [Reply(text, (menu(ctx, carry_on=True),))]
    shown, _ = numbers_for(lines, kinds)
    template = "safety/not_safe" if how == "no" else "safety/not_sure"
    state.safety.someone_asked_at = ctx.now.isoformat(timespec="seconds")
    return [
        Reply(ctx.render(template, emergency=emergency, line=shown[0] if shown else None)),
        Reply(ctx.render("safety/grounding"), someone_buttons(ctx, carry_on=in_flow and how != "no")),
    ]


def answer_someone(ctx: Ctx, state: UserState, no_one: bool, in_flow: bool) -> list[Reply]:
    """The reply to "Is there someone who can be with you?": no one brings the crisis line
    again, with warmth; someone, the encouragement to reach them, with the numbers."""
    lines = _country_lines(ctx)
    shown, emergency = numbers_for(lines, frozenset(state.safety.last_kinds))
    state.safety.someone_asked_at = None
    template = "safety/no_one" if no_one else "safety/someone_yes"
    carry_on = in_flow and state.safety.answered != "no"
    return [Reply(ctx.render(template, line=shown[0] if shown else None, emergency=emergency), (menu(ctx, carry_on=carry_on),))]
