"""/start: what the bot is and is not, consent to keep entries, then a short setup.

Each setup question can be skipped. Someone who has been through it before is welcomed
back and shown their settings; running /start again never loses anything.
"""

from __future__ import annotations

from flows.dialogue.core import Answer, Button, Ctx, Flow, Goto, Reply, Step
from flows.dialogue.registry import Practice
from flows.practices.fields import FIELDS, one_timezone

SETUP = ["consent", "country", "timezone", "reminder"]


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    if ctx.settings.onboarded:
        change = Button(ctx.button("change_settings"), data="g:settings")
        return [Reply(ctx.render("onboarding/welcome_back"), ((change,),))], None
    need_help = Button(ctx.button("need_help_now"), data="g:crisis")
    return [Reply(ctx.render("onboarding/welcome"), ((need_help,),))], SETUP[0]


def finish(ctx: Ctx) -> list[Reply]:
    ctx.settings.onboarded = True
    daily = Button(ctx.button("learn_daily"), data="g:lessons_on")  # skippable: one tap, or nothing
    return [Reply(ctx.render("onboarding/done"), ((daily,),))]


def read_consent(ctx: Ctx, answer: Answer) -> list[Reply]:
    FIELDS["consent"].read(ctx, answer)
    return [Reply(ctx.render("onboarding/consent_given" if ctx.settings.consent else "onboarding/consent_declined"))]


def read_country(ctx: Ctx, answer: Answer) -> Goto | None:
    """A country with one time zone sets it, says so, and its question is not asked."""
    FIELDS["country"].read(ctx, answer)
    one = one_timezone(ctx)
    return Goto("reminder", tuple(one)) if one else None


READERS = {"consent": read_consent, "country": read_country}


def _step(index: int, field: str) -> Step:
    return Step(
        name=field,
        template=f"ask/{field}",
        parse=READERS.get(field, FIELDS[field].read),
        next=SETUP[index + 1] if index + 1 < len(SETUP) else None,
        goes_to=("reminder",) if field == "country" else (),
        options=FIELDS[field].options,
        variables=lambda ctx: {"position": index + 1, "total": len(SETUP)},
        fills=field,
    )


FLOW = Flow.of("onboarding", "start", [_step(i, field) for i, field in enumerate(SETUP)], begin, finish)

PRACTICE = Practice(flows=(FLOW,))
