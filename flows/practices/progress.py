"""/progress: how they are doing, as a chart and in words that carry the same facts.

The chart (flows/lib/chart.py) shows the last 30 days: each mood a dot, the daily mean a
line, the days with a practice marked, and PHQ-9 and GAD-7 results over their bands. It is
drawn when it is sent, in a worker thread. The text beside it gives the counts, the traps
they name most, mood before and after check-ins, expected against felt pleasure from /plan,
and the activity with the biggest lift. With too little to draw, it says what would make a
chart instead of sending an empty one.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from functools import partial

from flows.dialogue.core import Ctx, Document, Entry, Reply
from flows.dialogue.registry import Command, Practice
from flows.lib import chart, schedule
from flows.practices.check import Questionnaires

DAYS = 30
ENOUGH_MOODS = 3  # fewer (and no questionnaire): no chart, but what would make one
PRACTICE_KINDS = ("thought", "checkin", "activity", "check")


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
        "counts": {"thought": len(of("thought")), "checkin": len(checkins), "activity": len(done)},
        "traps": [name for name, _ in Counter(t for e in of("thought") for t in e.data.get("traps", [])).most_common(3)],
        "checkin_before": _mean([e.data["mood_before"] for e in checkins if "mood_before" in e.data]),
        "checkin_after": _mean([e.data["mood_after"] for e in checkins if "mood_after" in e.data]),
        "expected": _mean([e.data["predicted"] for e in rated]),
        "felt": _mean([e.data["pleasure"] for e in rated]),
        "best": best.data["label"][:40] if best is not None and best.data["pleasure"] > best.data["predicted"] else None,
        "scores": _scores(ctx, of("check")),
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
    image = Document(f"progress-{seen['end']:%Y-%m-%d}.png", make=partial(chart.draw, data))
    return [Reply(ctx.render("progress/chart", **seen), document=image), Reply(ctx.render("progress/details", **seen))]


PRACTICE = Practice(commands=(Command("progress", show, needs_history=True),))
