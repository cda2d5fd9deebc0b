"""/progress: how they are doing, as a chart and in words that carry the same facts; and, if
they want it, a weekly summary.

The chart (flows/lib/chart.py) shows the last 30 days: each mood a dot, the daily mean a
line, the days with a practice marked, and PHQ-9 and GAD-7 results over their bands. It is
drawn when it is sent, in a worker thread. The text beside it gives the counts, the traps
they name most, mood before and after check-ins, expected against felt pleasure from /plan,
and the activity with the biggest lift. With too little to draw, it says what would make a
chart instead of sending an empty one.

The weekly summary is offered once (under their first chart) and in /settings; it comes on
the day and time they choose, Sunday at their check-in time by default, as a scheduled row
with neutral words and [Show my week]: the chart and three lines (what they practised, how
mood moved, one suggestion). It backs off when ignored, like every recurring nudge.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from functools import partial

from flows.dialogue.core import Button, Ctx, Document, Due, Entry, Reply
from flows.dialogue.registry import Command, GlobalButton, Practice, Pressed, recurring
from flows.lib import chart, markup, schedule
from flows.practices.check import Questionnaires

DAYS = 30
ENOUGH_MOODS = 3  # fewer (and no questionnaire): no chart, but what would make one
PRACTICE_KINDS = ("thought", "checkin", "activity", "check", "experiment", "solve", "belief", "belief_log")


def _day(ctx: Ctx, entry: Entry) -> date:
    return schedule.local_day_of(entry.at, ctx.settings)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def facts(ctx: Ctx) -> dict:
    """Everything the chart and the words say, from the last DAYS days of their entries."""
    end = schedule.local_date(ctx.now, ctx.settings)
    start = end - timedelta(days=DAYS - 1)
    recent = [e for e in ctx.history if start <= _day(ctx, e) <= end]
    of = lambda kind: [e for e in recent if e.kind == kind]  # noqa: E731
    moods = sorted((_day(ctx, e), e.data["score"]) for e in of("mood") if isinstance(e.data.get("score"), int))
    checkins = of("checkin")
    done = [e for e in of("activity") if e.data.get("status") == "done"]
    rated = [e for e in done if e.data.get("predicted") is not None and e.data.get("pleasure") is not None]
    lifts = [e for e in rated if "label" not in e.data.get("hidden", [])]
    best = max(lifts, key=lambda e: (e.data["pleasure"] - e.data["predicted"], e.id), default=None)
    halves = [[s for d, s in moods if d < start + timedelta(days=DAYS // 2)], [s for d, s in moods if d >= start + timedelta(days=DAYS // 2)]]
    return {
        "start": start,
        "end": end,
        "moods": moods,
        "mood_mean": _mean([s for _, s in moods]),
        "mood_low": min((s for _, s in moods), default=None),
        "mood_high": max((s for _, s in moods), default=None),
        "mood_halves": [_mean(h) for h in halves],
        "practice_days": {_day(ctx, e) for e in recent if e.kind in PRACTICE_KINDS},
        "solved": len([e for e in of("solve") if not e.data.get("ended_for_safety")]),  # problems worked through
        "counts": {"thought": len(of("thought")), "checkin": len(checkins), "activity": len(done),
                   "belief": len(of("belief")), "belief_log": len(of("belief_log"))},
        "traps": [name for name, _ in Counter(t for e in of("thought") for t in e.data.get("traps", [])).most_common(3)],
        "checkin_before": _mean([e.data["mood_before"] for e in checkins if "mood_before" in e.data]),
        "checkin_after": _mean([e.data["mood_after"] for e in checkins if "mood_after" in e.data]),
        "expected": _mean([e.data["predicted"] for e in rated]),
        "felt": _mean([e.data["pleasure"] for e in rated]),
        "best": best.data["label"][:40] if best is not None and best.data["pleasure"] > best.data["predicted"] else None,
        "scores": _scores(ctx, of("check")),
        "experiments": len([e for e in of("experiment") if e.data.get("status") == "done"]),  # looked back on
    }


def _scores(ctx: Ctx, results: list[Entry]) -> list[dict]:
    found = []
    for q in ctx.content.of(Questionnaires).questionnaire:
        mine = sorted((e for e in results if e.data.get("questionnaire") == q.id), key=lambda e: e.id)
        if mine:
            found.append({"q": q, "results": [(_day(ctx, e), e.data["total"], e.data["band"]) for e in mine]})
    return found


def show(ctx: Ctx, args: str) -> list[Reply]:
    seen = facts(ctx)
    if len(seen["moods"]) < ENOUGH_MOODS and not seen["scores"]:
        return [Reply(ctx.render("progress/little", moods=len(seen["moods"]), needed=ENOUGH_MOODS, kept=ctx.keeps))]
    details = [Reply(text) for text in markup.pack(lambda shown, first: ctx.render("progress/details", parts=shown, **seen), _parts(seen))]
    if ctx.settings.weekly is None and not ctx.settings.weekly_offered:
        ctx.settings.weekly_offered = True  # asked once; /settings has it always
        details[-1] = Reply(details[-1].text, ((Button(ctx.button("weekly_on"), data="g:weekly_on"),),))
    return [Reply(ctx.render("progress/chart", **seen), document=_chart(ctx, seen)), *details]


def _parts(seen: dict) -> list[str]:
    """The lines the details have something to say in, in order (a screen each, as many as it takes)."""
    has = {
        "counts": True,
        "experiments": seen["experiments"],
        "solved": seen["solved"],
        "beliefs": seen["counts"]["belief"] or seen["counts"]["belief_log"],
        "traps": seen["traps"],
        "checkins": seen["checkin_before"] is not None,
        "activities": seen["expected"] is not None,
        "best": seen["best"],
    }
    return [part for part, there in has.items() if there]


def _chart(ctx: Ctx, seen: dict) -> Document:
    data = chart.ChartData(
        start=seen["start"],
        end=seen["end"],
        moods=seen["moods"],
        practice_days=seen["practice_days"],
        scores=[
            chart.Scores(s["q"].name, s["q"].top, [(b.low, b.high, b.name) for b in s["q"].bands], [(d, t) for d, t, _ in s["results"]])
            for s in seen["scores"]
        ],
        labels={key: ctx.button(f"chart_{key}") for key in ("title", "mood", "daily_mean", "practice", "score")},
    )
    return Document(f"progress-{seen['end']:%Y-%m-%d}.png", make=partial(chart.draw, data))


# -------------------------------------------------------------- the weekly summary

WEEKLY = "weekly_summary"
DEFAULT_DAY, DEFAULT_TIME = "sun", "20:00"


def send_weekly(ctx: Ctx, due: Due) -> list[Reply]:
    """Neutral words (a locked screen may show them); the week itself behind a tap."""
    return [Reply(ctx.render("progress/weekly_due"), ((Button(ctx.button("weekly_show"), data="g:week"),),))]


def press_week(ctx: Ctx, argument: str) -> Pressed:
    """[Show my week]: the chart and three lines."""
    seen = facts(ctx)
    week_start = seen["end"] - timedelta(days=6)
    this_week = [s for d, s in seen["moods"] if d >= week_start]
    last_week = [s for d, s in seen["moods"] if week_start - timedelta(days=7) <= d < week_start]
    practised = Counter(e.kind for e in ctx.history if e.kind in PRACTICE_KINDS and _day(ctx, e) >= week_start)
    lines = ctx.render(
        "progress/weekly",
        practised=practised,
        this_week=_mean(this_week),
        last_week=_mean(last_week),
        suggestion=_suggestion(ctx, practised),
    )
    if not seen["moods"] and not seen["scores"]:
        return Pressed([Reply(lines)])
    return Pressed([Reply(lines, document=_chart(ctx, seen))])


def _suggestion(ctx: Ctx, practised: Counter) -> dict:
    """One thing to try: a practice not done this week, else the next lesson."""
    for kind, command in (("thought", "thought"), ("checkin", "checkin"), ("activity", "plan")):
        if not practised[kind]:
            return {"command": command}
    from flows.practices.learn import next_unread  # a lesson, once every practice was tried

    upcoming = next_unread(ctx)
    return {"command": "learn", "lesson": upcoming.title if upcoming else None}


def press_weekly_on(ctx: Ctx, argument: str) -> Pressed:
    ctx.settings.weekly = f"{DEFAULT_DAY} {ctx.settings.reminder or DEFAULT_TIME}"
    return Pressed([Reply(ctx.render("progress/weekly_on", when=ctx.settings.weekly))])


SUMMARY, KEEP_SUMMARY = recurring(WEEKLY, send_weekly, "weekly", "weekly_for", schedule.next_weekly)


PRACTICE = Practice(
    commands=(Command("progress", show, needs_history=True),),
    buttons=(GlobalButton("week", press_week, needs_history=True), GlobalButton("weekly_on", press_weekly_on)),
    scheduled=(SUMMARY,),
    after_update=(KEEP_SUMMARY,),
)
