"""The positive data log: an optional daily one-line note of something that fits the new
belief a worksheet ended with.

It is turned on at the end of /beliefs or in /settings (`Settings.belief_log`, "HH:MM" in
their zone). The nudge is a recurring scheduled row (`registry.recurring`, like the daily
mood prompt): neutral words a locked screen may show, one a local day, not sent on a day
they already wrote a note, backing off when ignored (flows/lib/backoff.py). Its [Write
today's note] starts `beliefs_log`, one question that quotes their newest balanced belief.

Each note is an entry of its own kind, `belief_log` ({"note", "belief": the worksheet's
entry id or None, "hidden"}), so the journal can show the notes alone (its "Daily notes"
filter), /export lists them apart, /delete counts them, and /progress counts the days.
"""

from __future__ import annotations

from flows.dialogue.core import Answer, Button, Ctx, Due, Flow, Option, OptionRows, Reply, Step, written_or_skipped
from flows.dialogue.registry import GlobalButton, Pressed, Reads, recurring
from flows.lib import markup, schedule
from flows.practices.beliefs.common import ENDS, KIND, LOG_FLOW, LOG_KIND, NUDGE, latest_belief

NOTE = "note"
SKIP = "skip"
NOTE_CHARS = 300  # one line
QUOTE_CHARS = 150


def _belief(ctx: Ctx):
    belief_id = ctx.data.get("belief")
    return ctx.entry(belief_id, KIND) if belief_id is not None else None


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    latest = latest_belief(ctx.history)
    ctx.data["belief"] = latest.id if latest is not None else None
    return [], NOTE


read_note = written_or_skipped("note", "beliefs/log_note_tap", SKIP)


def note_variables(ctx: Ctx) -> dict:
    belief = _belief(ctx)
    return {"quote": markup.quotable(belief.data, "balanced", QUOTE_CHARS) if belief is not None else None}


def note_options(ctx: Ctx) -> OptionRows:
    return [[Option(SKIP, ctx.button("beliefs_log_skip"))]]


def finish(ctx: Ctx) -> list[Reply]:
    if ctx.data.get("note") is None:  # skipped
        return [Reply(ctx.render("beliefs/log_skipped"))]
    data = {"note": ctx.data.get("note"), "belief": ctx.data.get("belief"), "hidden": sorted(ctx.hidden)}
    if ctx.risk & ENDS:
        ctx.record(LOG_KIND, {**data, "ended_for_safety": True})
        return [Reply(ctx.render("beliefs/log_kind_end", kept=ctx.keeps))]
    ctx.record(LOG_KIND, data)
    count = sum(1 for e in ctx.history if e.kind == LOG_KIND) if ctx.keeps else 0
    return [Reply(ctx.render("beliefs/log_saved", kept=ctx.keeps, count=count))]


NOTE_FLOW = Flow.of(
    LOG_FLOW,
    None,  # started from the nudge's button
    [Step(NOTE, "beliefs/log_note", read_note, None, fills="note", options=note_options, variables=note_variables,
          max_chars=NOTE_CHARS)],
    begin,
    finish,
    needs_history=True,
    ends_on_risk=ENDS,
)


# ----------------------------------------------------------------- the daily nudge


def send_nudge(ctx: Ctx, due: Due) -> list[Reply]:
    """Neutral words (a locked screen may show them); none on a day they already wrote one."""
    today = schedule.local_date(ctx.now, ctx.settings)
    if any(e.kind == LOG_KIND and schedule.local_day_of(e.at, ctx.settings) == today for e in ctx.history):
        return []
    return [Reply(ctx.render("beliefs/nudge"), ((Button(ctx.button("beliefs_log_write"), data="g:blog"),),))]


def press_write(ctx: Ctx, argument: str) -> Pressed:
    """[Write today's note]: the note's question (a practice they are in waits for it)."""
    flow = ctx.state.flow
    if flow is not None and flow.name == LOG_FLOW:
        return Pressed([])  # a second tap: the question is asked again
    return Pressed([], start=LOG_FLOW)


DAILY_NOTE, KEEP_DAILY_NOTE = recurring(NUDGE, send_nudge, "belief_log", "belief_log_for", schedule.next_daily,
                                        reads=Reads(today=(LOG_KIND,)))
BUTTONS = (GlobalButton("blog", press_write, needs_history=True),)
