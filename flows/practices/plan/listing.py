"""`/plan list`: what is planned, what was done (expected against felt pleasure), what was missed."""

from __future__ import annotations

from flows.dialogue.core import Ctx, Entry, Reply
from flows.lib import markup
from flows.practices.plan.common import DONE, MISSED, PLANNED, REMINDED, activities, shown_label

LATEST = 4  # the latest activities shown: one phone screen (/journal has them all)
LABEL_CHARS = 60  # an activity's words, at most
LEAST_CHARS = 20  # cut no shorter than this to fit the screen


def show(ctx: Ctx) -> Reply:
    every = activities(ctx)
    latest = sorted(every, key=lambda e: e.id, reverse=True)[:LATEST]

    def view(entry: Entry) -> dict:
        return {**entry.data, "label": shown_label(entry.data)}

    def when(d: dict) -> str:
        return d.get("when") or ""

    planned = sorted((view(e) for e in latest if e.data.get("status") in (PLANNED, REMINDED)), key=when)
    done = [view(e) for e in latest if e.data.get("status") == DONE]
    missed = sorted((view(e) for e in latest if e.data.get("status") == MISSED), key=when, reverse=True)
    rated = [d for d in done if d.get("predicted") is not None and d.get("pleasure") is not None]
    averages = None
    if len(rated) >= 2:
        averages = {
            "expected": round(sum(d["predicted"] for d in rated) / len(rated), 1),
            "felt": round(sum(d["pleasure"] for d in rated) / len(rated), 1),
        }

    def render(limit: int) -> str:
        def cut(views: list[dict]) -> list[dict]:
            return [{**d, "label": markup.shorten(d["label"], limit)} for d in views]

        return ctx.render("plan/list", planned=cut(planned), done=cut(done), missed=cut(missed), averages=averages,
                          kept=ctx.keeps, more=len(every) > LATEST)

    return Reply(markup.fit(render, LEAST_CHARS, LABEL_CHARS))
