"""/plan: choose one small activity (easy ones first; a step up once easier ones of that kind
were done, or their own words), a day and a time, and a guess at how enjoyable it will be.
Saved at the end only, so /cancel leaves nothing; a `plan_reminder` row falls due then.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from flows.dialogue.core import Answer, Ctx, Due, Flow, Goto, Invalid, Option, OptionRows, Reply, Step
from flows.lib import scales
from flows.lib.content import LEVELS, Activities
from flows.practices import next_steps
from flows.practices.plan import listing, when
from flows.practices.plan.common import DONE, KIND, PLANNED, REMINDER, activities, shown_label

CATEGORY, ACTIVITY, OWN, PREDICTED = "category", "activity", "own", "predicted"
STEP_UP = 2  # done activities of a kind (at a level or harder) before a harder level is suggested
LABEL_CHARS = 120  # a typed activity


def suggested_level(ctx: Ctx, category: str) -> str:
    """Easy first; a step up once STEP_UP activities of this kind, at that level or
    harder, were done. Their own typed activities count as easy ones."""
    done = Counter(
        e.data.get("level") or "easy"
        for e in activities(ctx)
        if e.data.get("status") == DONE and e.data.get("category") == category
    )
    level = "easy"
    for easier, harder in pairwise(LEVELS):
        if sum(done[name] for name in LEVELS[LEVELS.index(easier) :]) >= STEP_UP:
            level = harder
    return level


def _category(ctx: Ctx, category_id: str | None):
    return next((c for c in ctx.content.of(Activities).category if c.id == category_id), None)


def read_category(ctx: Ctx, answer: Answer) -> None:
    said = (answer.choice if answer.choice is not None else answer.text or "").strip().casefold()
    chosen = next((c for c in ctx.content.of(Activities).category if said in (c.id, c.name.casefold())), None)
    if chosen is None:
        raise Invalid("plan/category_tap")
    ctx.data["category"] = chosen.id
    ctx.data.pop("level", None)


def category_options(ctx: Ctx) -> OptionRows:
    return [[Option(c.id, c.name)] for c in ctx.content.of(Activities).category]


def _view_level(ctx: Ctx) -> str:
    return ctx.data.get("level") or suggested_level(ctx, ctx.data["category"])


def read_activity(ctx: Ctx, answer: Answer) -> Goto | None:
    category = ctx.data["category"]
    if answer.choice is None:
        return _read_own_words(ctx, answer)
    kind, _, value = answer.choice.partition(":")
    if kind == "lv" and value in LEVELS:
        ctx.data["level"] = value
        return Goto(ACTIVITY)
    if kind == "back":
        return Goto(CATEGORY)
    if kind == "own":
        return Goto(OWN)
    chosen = next(
        (a for a in ctx.content.of(Activities).activity if kind == "a" and a.id == value and a.category == category),
        None,
    )
    if chosen is None:
        raise Invalid("plan/activity_tap")
    _choose(ctx, chosen.label, chosen.id, chosen.level)
    return None


def _read_own_words(ctx: Ctx, answer: Answer) -> None:
    typed = " ".join((answer.text or "").split())
    if not typed:
        raise Invalid("plan/own_tap")
    same = next(
        (a for a in ctx.content.of(Activities).activity if a.category == ctx.data["category"] and a.label.casefold() == typed.casefold()),
        None,
    )
    if same is not None:
        _choose(ctx, same.label, same.id, same.level)
    else:
        _choose(ctx, typed, None, None)


def _choose(ctx: Ctx, label: str, activity_id: str | None, level: str | None) -> None:
    ctx.data["label"] = label
    ctx.data["activity_id"] = activity_id
    ctx.data["activity_level"] = level


def activity_options(ctx: Ctx) -> OptionRows:
    category = ctx.data["category"]
    level = _view_level(ctx)
    rows: OptionRows = [
        [Option(f"a:{a.id}", a.label)]
        for a in ctx.content.of(Activities).activity
        if a.category == category and a.level == level
    ]
    index = LEVELS.index(level)
    steps = []
    if index > 0:
        steps.append(Option(f"lv:{LEVELS[index - 1]}", ctx.button("plan_easier")))
    if index < len(LEVELS) - 1:
        steps.append(Option(f"lv:{LEVELS[index + 1]}", ctx.button("plan_harder")))
    rows.append(steps)
    rows.append([Option("own", ctx.button("plan_own")), Option("back", ctx.button("plan_other_kind"))])
    return rows


def activity_variables(ctx: Ctx) -> dict:
    category = ctx.data["category"]
    return {"category": _category(ctx, category), "level": _view_level(ctx), "suggested": suggested_level(ctx, category)}


def read_own(ctx: Ctx, answer: Answer) -> Goto | None:
    if answer.choice == "back":
        return Goto(ACTIVITY)
    return _read_own_words(ctx, answer)


def own_options(ctx: Ctx) -> OptionRows:
    return [[Option("back", ctx.button("plan_back_to_list"))]]


def label_hidden(ctx: Ctx) -> bool:
    """Did screening flag the activity they typed? Then it is never quoted back."""
    return "label" in ctx.hidden


def day_variables(ctx: Ctx) -> dict:
    return {"label": None if label_hidden(ctx) else ctx.data.get("label"), "moving": False}


def read_predicted(ctx: Ctx, answer: Answer) -> None:
    ctx.data["predicted"] = scales.read(answer, 10)


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    if (ctx.data.get("args") or "").strip().casefold() == "list":
        return [listing.show(ctx)], None
    return [Reply(ctx.render("plan/intro"))], CATEGORY


def finish(ctx: Ctx) -> list[Reply]:
    data = ctx.data
    entry_data = {
        "label": data["label"],
        "category": data["category"],
        "level": data.get("activity_level"),
        "when": data["when"],
        "predicted": data["predicted"],
        "status": PLANNED,
        "kept_only_until_answered": not ctx.keeps,
    }
    if data.get("activity_id"):
        entry_data["activity"] = data["activity_id"]
    if label_hidden(ctx):
        entry_data["hidden"] = ["label"]
    # Kept until its reminder is answered, whatever they chose about keeping entries.
    entry = ctx.record(KIND, entry_data, always=True)
    ctx.schedule(Due(f"plan:{entry.id}:{data['when']}", REMINDER, data["when"], ref=entry.id))
    offer = next_steps.rows(next_steps.go(ctx, "plans"), next_steps.go(ctx, "checkin"))
    return [Reply(ctx.render("plan/saved", label=shown_label(entry_data), when=data["when"], kept=ctx.keeps), offer)]


def cancelled(ctx: Ctx) -> list[Reply]:
    return [Reply(ctx.render("plan/cancelled", mode="new"))]


FLOW = Flow.of(
    "plan",
    "plan",
    [
        Step(CATEGORY, "plan/category", read_category, ACTIVITY, options=category_options),
        Step(ACTIVITY, "plan/activity", read_activity, when.DAY, goes_to=(ACTIVITY, CATEGORY, OWN), fills="label",
             options=activity_options, variables=activity_variables, max_chars=LABEL_CHARS),
        Step(OWN, "plan/own", read_own, when.DAY, goes_to=(ACTIVITY,), options=own_options, max_chars=LABEL_CHARS,
             fills="label"),
        *when.steps(PREDICTED, day_variables),
        Step(PREDICTED, "plan/predicted", read_predicted, None, options=lambda ctx: scales.options(10)),
    ],
    begin,
    finish,
    needs_history=True,
    cancelled=cancelled,
)
