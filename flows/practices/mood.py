"""/mood: a mood from 0 to 10 with one tap, then optional emotion words and a note.

Several entries a day are fine; each has its time. A low mood gently offers /checkin or
/thought; low moods on most days over two weeks gently suggest talking to a doctor.

The daily mood prompt, at their check-in time, carries the scale: one tap logs a mood. It is
a scheduled row holding only a key and a time; it moves at once when their check-in time or
time zone changes, and is not sent on a day they already logged a mood.
"""

from __future__ import annotations

from datetime import timedelta

from flows.practices import emotions, next_steps
from flows.lib import scales, schedule
from flows.dialogue.core import Answer, Button, Ctx, Due, Entry, Flow, Option, OptionRows, Reply, Step
from flows.dialogue.registry import GlobalButton, Practice, Pressed, Reads, recurring

SCORE, EMOTIONS, NOTE = "score", "emotions", "note"
SKIP = "skip"
LOW = 3  # a mood this low or lower offers a practice
GOOD = 7  # a mood this good or better asks what helped
VERY_LOW = 2  # on most days of two weeks, a doctor is suggested
LOW_DAYS, OF_DAYS = 8, 14
NOTE_CHARS = 500


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    return [], SCORE


def read_score(ctx: Ctx, answer: Answer) -> None:
    ctx.data["score"] = scales.read(answer, 10)


def read_emotions(ctx: Ctx, answer: Answer) -> None:
    emotions.read(ctx, answer, "mood/emotions_tap", pleasant=True)


def read_note(ctx: Ctx, answer: Answer) -> None:
    if answer.choice == SKIP:
        return
    if answer.text:
        ctx.data["note"] = answer.text


def note_options(ctx: Ctx) -> OptionRows:
    return [[Option(SKIP, ctx.button("skip"))]]


def finish(ctx: Ctx) -> list[Reply]:
    entry = log(ctx, ctx.data["score"], ctx.data.get("emotions", []), ctx.data.get("note"), sorted(ctx.hidden))
    return after(ctx, entry, asked=True)


def log(ctx: Ctx, score: int, emotions: list[str] | None = None, note: str | None = None,
        hidden: list[str] | None = None) -> Entry:
    data: dict = {"score": score}
    if emotions:
        data["emotions"] = emotions
    if note:
        data["note"] = note
    if hidden:
        data["hidden"] = hidden  # kept as theirs, never shown back unless they ask
    return ctx.record("mood", data)


def after(ctx: Ctx, entry: Entry, asked: bool = False) -> list[Reply]:
    """What follows a logged mood: a low one is met first ("That sounds like a hard time"),
    then it is saved (or not kept), then one or two next steps as buttons: after a low mood a
    check-in or a thought record; after a good one, what helped (unless `asked` already, in
    the note) and a small plan."""
    score = entry.data["score"]
    low = score <= LOW
    if low:
        replies = [Reply(ctx.render("mood/saved", score=score, kept=ctx.keeps, low=True))]
        if score <= VERY_LOW and ctx.keeps and ctx.state.history is not None and low_days(ctx) >= LOW_DAYS:
            replies.append(Reply(ctx.render("mood/see_a_doctor")))
        offer = next_steps.rows(next_steps.go(ctx, "checkin"), next_steps.go(ctx, "thought"))
        return [*replies, Reply(ctx.render("mood/low"), offer)]
    if score >= GOOD:
        offer = next_steps.rows(None if asked else next_steps.helped(ctx, entry), next_steps.go(ctx, "plan"))
    else:
        offer = next_steps.rows(next_steps.go(ctx, "checkin"), next_steps.go(ctx, "plan"))
    return [Reply(ctx.render("mood/saved", score=score, kept=ctx.keeps, low=False), offer)]


def low_days(ctx: Ctx) -> int:
    """On how many of the last two weeks' days (their local days) a mood was very low."""
    since = ctx.now - timedelta(days=OF_DAYS)
    days = {
        schedule.local_day_of(e.at, ctx.settings)
        for e in ctx.history
        if e.kind == "mood" and e.data.get("score", 10) <= VERY_LOW and schedule.instant(e.at) >= since
    }
    return len(days)


FLOW = Flow.of(
    "mood",
    "mood",
    [
        Step(SCORE, "mood/score", read_score, EMOTIONS, options=lambda ctx: scales.options(10)),
        Step(EMOTIONS, "mood/emotions", read_emotions,
             lambda ctx: NOTE if ctx.data.get("emotions_done") else EMOTIONS, goes_to=(NOTE, EMOTIONS), fills="emotions",
             options=emotions.options_for(pleasant=True), max_chars=300,
             in_place=True),
        Step(NOTE, "mood/note", read_note, None, options=note_options, max_chars=NOTE_CHARS, fills="note",
             variables=lambda ctx: {"good": ctx.data.get("score", 0) >= GOOD}),
    ],
    begin,
    finish,
    needs_history=True,
)


# ----------------------------------------------------------------- the daily prompt

PROMPT = "mood_prompt"


def send_prompt(ctx: Ctx, due: Due) -> list[Reply]:
    """The daily prompt, with the scale in it: one tap logs the mood. Not sent if they
    already logged a mood this (local) day."""
    today = schedule.local_date(ctx.now, ctx.settings)
    for entry in ctx.history:
        if entry.kind == "mood" and schedule.local_day_of(entry.at, ctx.settings) == today:
            return []
    rows = tuple(tuple(Button(option.label, data=f"g:mp:{option.value}") for option in row) for row in scales.options(10))
    return [Reply(ctx.render("nudge/mood_prompt"), rows)]


def press_prompt(ctx: Ctx, argument: str) -> Pressed:
    """g:mp:<score>, a tap on the daily prompt's scale."""
    if not argument.isdigit() or not 0 <= int(argument) <= 10:
        return Pressed([Reply(ctx.render("general/stale_button", in_flow=False))])
    return Pressed(after(ctx, log(ctx, int(argument))))


# At their check-in time; it moves at once when that time or their time zone changes.
DAILY_PROMPT, KEEP_PROMPT = recurring(PROMPT, send_prompt, "reminder", "prompt_for", schedule.next_daily, reads=Reads(today=("mood",)))


PRACTICE = Practice(
    flows=(FLOW,),
    buttons=(GlobalButton("mp", press_prompt, needs_history=True),),
    scheduled=(DAILY_PROMPT,),
    records=("mood",),
    after_update=(KEEP_PROMPT,),
)
