"""Rating a done activity, started by its reminder's [Done]: pleasure, mastery (a sense of
achievement) and mood, each 0-10, set beside what they expected."""

from __future__ import annotations

from flows.dialogue.core import Answer, Ctx, Flow, Reply, Step
from flows.lib import scales
from flows.practices import mood, next_steps
from flows.practices.plan.common import DONE, KIND, RATE_FLOW, REMINDER, refusal, reminder_buttons, shown_label, usable

PLEASURE, MASTERY, MOOD = "pleasure", "mastery", "mood"


def _reader(name: str):
    def read(ctx: Ctx, answer: Answer) -> None:
        ctx.data[name] = scales.read(answer, 10)

    return read


def _scale(ctx: Ctx):
    return scales.options(10)


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    entry = ctx.entry(ctx.data["entry"], KIND)
    if not usable(entry):
        return refusal(ctx, entry), None
    assert entry is not None
    return [Reply(ctx.render("plan/rate_intro", label=shown_label(entry.data)))], PLEASURE


def finish(ctx: Ctx) -> list[Reply]:
    entry = ctx.entry(ctx.data["entry"], KIND)
    if not usable(entry):
        return refusal(ctx, entry)
    assert entry is not None
    entry.data.update(
        status=DONE,
        pleasure=ctx.data[PLEASURE],
        mastery=ctx.data[MASTERY],
        mood=ctx.data[MOOD],
        done_at=ctx.now.isoformat(timespec="seconds"),
    )
    ctx.unschedule(REMINDER, entry.id)  # a "Not yet" reminder still waiting is not needed now
    if ctx.keeps:
        ctx.update(entry)
    else:
        ctx.forget(entry)  # kept only until its reminder was answered
    low = entry.data["mood"] <= mood.LOW
    said = ctx.render(
        "plan/rated",
        predicted=entry.data.get("predicted"),
        pleasure=entry.data["pleasure"],
        mastery=entry.data["mastery"],
        kept=ctx.keeps,
        low=low,
    )
    if low:  # met first ("That sounds like a hard time"), then a check-in or a thought record
        return [Reply(said), Reply(ctx.render("mood/low"), next_steps.rows(next_steps.go(ctx, "checkin"), next_steps.go(ctx, "thought")))]
    # A finished activity: what helped, and the next one.
    return [Reply(said, next_steps.rows(next_steps.helped(ctx, entry), next_steps.go(ctx, "plan")))]


def cancelled(ctx: Ctx) -> list[Reply]:
    """Left halfway: the reminder's buttons again (Telegram closed its own when tapped).
    /cancel does not load their entries: the buttons check the id when they are pressed."""
    return [Reply(ctx.render("plan/cancelled", mode="rate"), reminder_buttons(ctx, ctx.data["entry"]))]


FLOW = Flow.of(
    RATE_FLOW,
    None,
    [
        Step(PLEASURE, "plan/rate_pleasure", _reader(PLEASURE), MASTERY, options=_scale),
        Step(MASTERY, "plan/rate_mastery", _reader(MASTERY), MOOD, options=_scale),
        Step(MOOD, "plan/rate_mood", _reader(MOOD), None, options=_scale),
    ],
    begin,
    finish,
    needs_history=True,
    cancelled=cancelled,
)
