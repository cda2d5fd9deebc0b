"""/learn: short lessons from the CBT model, each ending in practice.

`/learn` shows the lessons as buttons, the suggested next one (the first unread on the path)
first and read ones ticked; `/learn <topic>` (or a lesson's id) opens one directly. A lesson
is 2-5 short messages with [Next]; the last offers [Try it now], which starts the matching
practice, and [Another lesson]. Lessons are data (content/practices/lessons.toml, a page per
template in content/templates/learn/<id>/); where they agreed to keep entries, later pages
speak of their own practice (the trap they pick most, the activity that lifted their mood
most), and read naturally without.

A lesson a day is opt-in (/settings, and offered after the first lesson): a neutral
notification at their chosen time opens the next unread lesson; it backs off when ignored
(flows/lib/backoff.py) and stops when every lesson is read.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flows.dialogue.core import Answer, Button, Ctx, Due, Flow, Goto, Invalid, Option, OptionRows, Reply, Step
from flows.dialogue.registry import GlobalButton, Practice, Pressed, recurring
from flows.lib import markup, schedule
from flows.lib.content import DataFile, button_id, https_only, short_text

MENU, PAGE = "menu", "page"
NEXT, TRY, ANOTHER, DAILY = "next", "try", "another", "daily"
DAILY_KIND = "lesson_daily"
DEFAULT_TIME = "20:00"  # a lesson a day when they have no check-in time
FACT_CHARS = 40  # a personal fact quoted in a lesson
NEXT_WORDS = {"next", "n", "ok", "more", "go on"}
Topic = Literal["basics", "thoughts", "traps", "beliefs", "action", "mindfulness", "problems",
                "experiments", "practice", "relapse", "evidence"]  # fmt: skip
Fact = Literal["trap_most", "thoughts_finished", "best_activity", "checkin_change"]


class Lesson(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    topic: Topic
    practice: Literal["thought", "plan", "checkin", "mood", "safetyplan", "experiment", "solve", "beliefs"]  # what [Try it now] starts
    uses: list[Fact] = []
    pages: int = Field(ge=2, le=5)  # messages
    sources: list[str] = []

    _id_shape = field_validator("id")(button_id)
    _label = field_validator("title")(short_text(32))

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        return [https_only(url) for url in value]


class Lessons(DataFile):
    path = "practices/lessons.toml"

    lesson: list[Lesson]

    @model_validator(mode="after")
    def _distinct(self) -> Lessons:
        if len({lesson.id for lesson in self.lesson}) != len(self.lesson):
            raise ValueError("lesson ids must differ")
        if len(self.lesson) < 14:
            raise ValueError("needs at least 14 lessons")
        return self


# ------------------------------------------------------------------------ lessons


def lessons(ctx: Ctx) -> list[Lesson]:
    return ctx.content.of(Lessons).lesson


def lesson(ctx: Ctx, lesson_id: str | None = None) -> Lesson | None:
    wanted = lesson_id or ctx.data.get("lesson")
    return next((item for item in lessons(ctx) if item.id == wanted), None)


def next_unread(ctx: Ctx) -> Lesson | None:
    read = set(ctx.settings.lessons_read)
    return next((item for item in lessons(ctx) if item.id not in read), None)


def find(ctx: Ctx, said: str) -> Lesson | None:
    """A lesson by id, title or topic ("/learn traps": the first unread of that topic)."""
    said = said.strip().casefold().replace(" ", "_")
    if not said:
        return None
    exact = next((item for item in lessons(ctx) if said in (item.id, item.title.casefold().replace(" ", "_"))), None)
    if exact is not None:
        return exact
    topic = [item for item in lessons(ctx) if item.topic == said or item.topic.rstrip("s") == said.rstrip("s")]
    read = set(ctx.settings.lessons_read)
    return next((item for item in topic if item.id not in read), topic[0] if topic else None)


def facts(ctx: Ctx) -> dict:
    """What later pages may say of their own practice: only if they keep entries, never a
    word screening flagged, and nothing that would not read naturally when empty."""
    empty = {"trap_most": None, "thoughts_finished": 0, "best_activity": None, "checkin_change": None}
    if not ctx.keeps or ctx.state.history is None:
        return empty
    history = ctx.state.history
    thoughts = [e for e in history if e.kind == "thought"]
    traps = Counter(name for e in thoughts for name in e.data.get("traps", []))
    done = [
        e for e in history
        if e.kind == "activity" and e.data.get("mood") is not None and "label" not in e.data.get("hidden", [])
    ]  # fmt: skip
    best = max(done, key=lambda e: (e.data["mood"], e.id), default=None)
    changes = [e.data["change"] for e in history if e.kind == "checkin" and isinstance(e.data.get("change"), int)]
    return {
        "trap_most": traps.most_common(1)[0][0] if traps else None,
        "thoughts_finished": len(thoughts),
        "best_activity": markup.shorten(best.data.get("label"), FACT_CHARS) if best else None,
        "checkin_change": round(sum(changes) / len(changes), 1) if changes else None,
    }


# -------------------------------------------------------------------------- steps


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    chosen = find(ctx, ctx.data.get("args") or "")
    if chosen is None:
        return [], MENU
    _open(ctx, chosen)
    return [], PAGE


def _open(ctx: Ctx, chosen: Lesson) -> None:
    ctx.data.update(lesson=chosen.id, page=1)


def menu_options(ctx: Ctx) -> OptionRows:
    read = set(ctx.settings.lessons_read)
    suggested = next_unread(ctx)
    ordered = [suggested, *(item for item in lessons(ctx) if item is not suggested)] if suggested else lessons(ctx)
    return [[Option(item.id, ("✓ " if item.id in read else "") + item.title)] for item in ordered]


def menu_variables(ctx: Ctx) -> dict:
    return {"suggested": next_unread(ctx), "read": len(ctx.settings.lessons_read), "total": len(lessons(ctx))}


def read_menu(ctx: Ctx, answer: Answer) -> None:
    chosen = lesson(ctx, answer.choice) if answer.choice is not None else find(ctx, answer.text or "")
    if chosen is None:
        raise Invalid("learn/menu_tap")
    _open(ctx, chosen)


def page_variables(ctx: Ctx) -> dict:
    current = _current(ctx)
    return {"lesson": current, "page": ctx.data["page"], "facts": facts(ctx)}


def page_options(ctx: Ctx) -> OptionRows:
    current = _current(ctx)
    if ctx.data["page"] < current.pages:
        return [[Option(NEXT, ctx.button("learn_next"))]]
    rows = [[Option(TRY, ctx.button("learn_try")), Option(ANOTHER, ctx.button("learn_another"))]]
    if _offer_daily(ctx):
        rows.append([Option(DAILY, ctx.button("learn_daily"))])
    return rows


def read_page(ctx: Ctx, answer: Answer) -> Goto | list[Reply]:
    current = _current(ctx)
    said = answer.choice or ("next" if (answer.text or "").strip().casefold() in NEXT_WORDS else None)
    last = ctx.data["page"] >= current.pages
    if said == NEXT and not last:
        ctx.data["page"] += 1
        if ctx.data["page"] == current.pages:
            _mark_read(ctx, current)
        return Goto(PAGE)
    if last and said == TRY:
        ctx.data["try"] = current.practice
        return Goto(None)
    if last and said == ANOTHER:
        return Goto(MENU)
    if last and said == DAILY:
        ctx.settings.lesson_time = ctx.settings.reminder or DEFAULT_TIME
        said_yes = Reply(ctx.render("learn/daily_on", time=ctx.settings.lesson_time))
        return Goto(PAGE, (said_yes,))
    raise Invalid("learn/page_tap", last=last)


def _current(ctx: Ctx) -> Lesson:
    found = lesson(ctx)
    if found is None:  # content changed while they were reading: the first lesson
        found = lessons(ctx)[0]
        _open(ctx, found)
    return found


def _mark_read(ctx: Ctx, current: Lesson) -> None:
    if current.id not in ctx.settings.lessons_read:
        ctx.settings.lessons_read.append(current.id)


def _offer_daily(ctx: Ctx) -> bool:
    """After their first lesson, a lesson a day is offered once, if they have none."""
    return ctx.settings.lesson_time is None and len(ctx.settings.lessons_read) == 1


def finish(ctx: Ctx) -> list[Reply]:
    return []


def practice_next(ctx: Ctx) -> str | None:
    return ctx.data.get("try")


FLOW = Flow.of(
    "learn",
    "learn",
    [
        Step(MENU, "learn/menu", read_menu, PAGE, options=menu_options, variables=menu_variables, max_chars=100),
        Step(PAGE, "learn/page", read_page, PAGE, goes_to=(MENU, None), options=page_options,
             variables=page_variables, max_chars=100),
    ],
    begin,
    finish,
    needs_history=True,
    starts=(MENU, PAGE),
    then=practice_next,
)


# -------------------------------------------------------------- a lesson a day


def send_daily(ctx: Ctx, due: Due) -> list[Reply]:
    """Neutral words (it may show on a locked screen); nothing once every lesson is read."""
    if next_unread(ctx) is None:
        return []
    return [Reply(ctx.render("learn/daily"), ((Button(ctx.button("learn_open"), data="g:lesson"),),))]


def press_open(ctx: Ctx, argument: str) -> Pressed:
    """The daily lesson's [Open]: the next unread lesson (the practice they were in waits);
    g:lesson:<id> (a thought record's [Lesson: ...]): that lesson."""
    named = lesson(ctx, argument) if argument else None
    if named is not None:
        return Pressed([], start=FLOW.name, data={"args": named.id})
    upcoming = next_unread(ctx)
    if upcoming is None:
        return Pressed([Reply(ctx.render("learn/all_read"))])
    return Pressed([], start=FLOW.name, data={"args": upcoming.id})


def press_daily_on(ctx: Ctx, argument: str) -> Pressed:
    """[A lesson a day] where it is offered outside a lesson (the end of onboarding)."""
    ctx.settings.lesson_time = ctx.settings.lesson_time or ctx.settings.reminder or DEFAULT_TIME
    return Pressed([Reply(ctx.render("learn/daily_on", time=ctx.settings.lesson_time))])


DAILY_LESSON, KEEP_DAILY_LESSON = recurring(DAILY_KIND, send_daily, "lesson_time", "lesson_for", schedule.next_daily)


def templates(content) -> list[str]:
    """Every page every lesson names (start-up refuses a lesson whose page is missing)."""
    return [f"learn/{item.id}/{n}" for item in content.of(Lessons).lesson for n in range(1, item.pages + 1)]


PRACTICE = Practice(
    flows=(FLOW,),
    buttons=(GlobalButton("lesson", press_open, needs_history=True), GlobalButton("lessons_on", press_daily_on)),
    scheduled=(DAILY_LESSON,),
    after_update=(KEEP_DAILY_LESSON,),
    templates=templates,
)
