"""/experiment: a behavioural experiment, planned now and looked back on afterwards.

Planning (three steps, each saying where they are):

1. the belief to test, in their own words, and how strongly they hold it (0-100);
2. the prediction it makes: what exactly will happen, and how they will know;
3. the experiment: what they will do, on which day and at what time (in their zone), where,
   and what might get in the way.

At the end it is saved, and two scheduled rows are made, both with neutral words (a locked
screen may show them): a reminder at that time ([Show my plan]), and a follow-up some hours
later ([Tell me how it went] [Later]). Looking back:

4. what happened (or [I didn't get to it]), quoting the prediction, and how it compared with
   it: as predicted, partly, not at all;
5. what they learned, and the belief re-rated: the summary sets outcome against prediction.

The follow-up's button starts the looking back; so does /experiment while one is pending.
Each typed step offers [See an example]: a worked example (content/practices/experiment.toml,
one story per area) whose part for that step shows in the question's own message.

Words the risk screen flagged are kept, hidden, and never quoted back. A disclosure of
suicide, self-harm or being hurt by someone ends the practice kindly after the safety
detour: such a thing is not a belief to test. Without consent an experiment is kept only
until it is looked back on, like a planned activity; /cancel leaves nothing planned.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flows.dialogue import safety
from flows.dialogue.core import Answer, Button, Ctx, Due, Entry, Flow, Goto, Invalid, Option, OptionRows, Reply, Step
from flows.dialogue.registry import GlobalButton, Practice, Pressed, Reads, Scheduled
from flows.lib import markup, scales, schedule
from flows.lib.content import DataFile, button_id, short_text
from flows.practices import next_steps
from flows.practices.plan import when

KIND = "experiment"
REMINDER, FOLLOW_UP = "experiment_reminder", "experiment_followup"
PLANNED, DONE, NOT_DONE, STOPPED = "planned", "done", "not_done", "stopped"
NEW, REVIEW = "new", "review"

# Steps
START = "start"
BELIEF, STRENGTH, PREDICTION, KNOW = "belief", "strength", "prediction", "know"
WHAT, DAY, TIME, WHERE, OBSTACLES = "what", when.DAY, when.TIME, "where", "obstacles"
HAPPENED, COMPARED, LEARNED, RERATE = "happened", "compared", "learned", "rerate"

# Option values
EXAMPLE, NOTHING, NOT_YET = "example", "nothing", "not_yet"
COMPARISONS = ("as_predicted", "partly", "not_at_all")

WORDS_CHARS = 300  # a typed answer
QUOTE_CHARS = 90  # their words quoted in a question
SUMMARY_CHARS = 70  # each of their answers on the summary card
SHOWN_CHARS = 60  # each of their answers under [Show my plan]

FOLLOW_UP_AFTER = timedelta(hours=2)  # after the planned time...
QUIET_FROM, QUIET_UNTIL, MORNING = time(22, 0), time(8, 0), time(9, 0)  # ...but not at night: next morning

# Where each step shows in "Step N of 3" (planning) and "Looking back, N of 2".
NUMBERS = {BELIEF: 1, STRENGTH: 1, PREDICTION: 2, KNOW: 2, WHAT: 3, DAY: 3, TIME: 3, WHERE: 3, OBSTACLES: 3,
           HAPPENED: 1, COMPARED: 1, LEARNED: 2, RERATE: 2}  # fmt: skip
# The part of a worked example each typed step shows.
EXAMPLE_PARTS = {BELIEF: "belief", PREDICTION: "prediction", KNOW: "know", WHAT: "what", WHERE: "where",
                 OBSTACLES: "obstacles", HAPPENED: "outcome", LEARNED: "learned"}  # fmt: skip

# What ends it for safety: being hurt is not a prediction to test, and nor is a wish to die.
ENDS = frozenset({"suicidal", "self_harm", "plan", "act", "harm_from_others"})


# ------------------------------------------------------------------ worked examples


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    area: str
    belief: str
    strength: int = Field(ge=0, le=100)
    prediction: str
    know: str
    what: str
    where: str
    obstacles: str
    outcome: str
    compared: Literal["as_predicted", "partly", "not_at_all"]
    learned: str
    rerated: int = Field(ge=0, le=100)

    _id_shape = field_validator("id")(button_id)
    _area = field_validator("area")(short_text(32))
    _texts = field_validator("belief", "prediction", "know", "what", "where", "obstacles", "outcome", "learned")(
        short_text(140)
    )


class Examples(DataFile):
    path = "practices/experiment.toml"

    example: list[Example] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> Examples:
        if len({e.id for e in self.example}) != len(self.example):
            raise ValueError("example ids must differ")
        return self


def examples(ctx: Ctx) -> list[Example]:
    return ctx.content.of(Examples).example


def read_example(ctx: Ctx, step: str) -> Goto:
    """[See an example] shows this step's part of the example they last saw (the first at
    first); [Another example] moves to the next one. It shows in the question's message."""
    count = len(examples(ctx))
    if ctx.data.get("example_at") == step:
        ctx.data["example"] = (ctx.data.get("example", 0) + 1) % count
    else:
        ctx.data["example"] = ctx.data.get("example", 0) % count
    ctx.data["example_at"] = step
    return Goto(step)


def example_shown(ctx: Ctx, step: str) -> Example | None:
    if ctx.data.get("example_at") != step:
        return None
    return examples(ctx)[ctx.data.get("example", 0) % len(examples(ctx))]


def example_option(ctx: Ctx, step: str) -> Option:
    label = "experiment_another_example" if ctx.data.get("example_at") == step else "experiment_example"
    return Option(EXAMPLE, ctx.button(label))


# ---------------------------------------------------------------------- the entry


def mode(ctx: Ctx) -> str:
    return ctx.data.get("mode", NEW)


def pending(entry: Entry | None) -> bool:
    """An experiment still waiting to be looked back on."""
    return entry is not None and entry.data.get("status") == PLANNED


def pending_ones(ctx: Ctx) -> list[Entry]:
    """Those waiting to be looked back on, the earliest planned first."""
    return sorted((e for e in ctx.history if e.kind == KIND and pending(e)), key=lambda e: (e.data.get("when") or "", e.id))


def reviewed(ctx: Ctx) -> Entry | None:
    """The experiment being looked back on (None: gone, or already looked back on)."""
    entry = ctx.entry(ctx.data["entry"], KIND) if isinstance(ctx.data.get("entry"), int) else None
    return entry if pending(entry) else None


def shown(data: dict[str, Any], field: str, limit: int = QUOTE_CHARS) -> str | None:
    """Their words from `data` as they may be quoted back: never hidden ones; long ones cut."""
    return markup.quotable(data, field, limit)


def refusal(ctx: Ctx, entry: Entry | None) -> list[Reply]:
    """A stale, forged or finished experiment's button: politely, never an error."""
    finished = entry is not None and entry.data.get("status") in (DONE, NOT_DONE, STOPPED)
    return [Reply(ctx.render("experiment/gone", finished=finished))]


def follow_up_time(planned: datetime, ctx: Ctx) -> datetime:
    """Some hours after the planned time; one that would fall at night comes next morning."""
    at = planned + FOLLOW_UP_AFTER
    local = at.astimezone(schedule.zone_of(ctx.settings))
    if local.time() >= QUIET_FROM:
        return schedule.at_local(local.date() + timedelta(days=1), MORNING, ctx.settings)
    if local.time() < QUIET_UNTIL:
        return schedule.at_local(local.date(), MORNING, ctx.settings)
    return at


def ended_for_safety(ctx: Ctx) -> bool:
    return bool(ctx.risk & ENDS)


# -------------------------------------------------------------------- the start


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    if "entry" in ctx.data:  # the follow-up's [Tell me how it went]
        entry = reviewed(ctx)
        if entry is None:
            raw = ctx.data["entry"]
            return refusal(ctx, ctx.entry(raw, KIND) if isinstance(raw, int) else None), None
        ctx.data["mode"] = REVIEW
        return [], HAPPENED
    waiting = pending_ones(ctx)
    if waiting:
        ctx.data["pending"] = waiting[0].id
        return [], START
    ctx.data["mode"] = NEW
    return [Reply(ctx.render("experiment/intro"))], BELIEF


def start_variables(ctx: Ctx) -> dict[str, Any]:
    entry = ctx.entry(ctx.data["pending"], KIND)
    planned = entry.data.get("when") if entry is not None else None
    return {"when": planned, "due": planned is not None and schedule.instant(planned) <= ctx.now}


def start_options(ctx: Ctx) -> OptionRows:
    return [[Option(REVIEW, ctx.button("experiment_review"))], [Option(NEW, ctx.button("experiment_new"))]]


def read_start(ctx: Ctx, answer: Answer) -> Goto:
    said = answer.choice if answer.choice is not None else (answer.text or "").strip().casefold()
    labels = {ctx.button("experiment_review").casefold(): REVIEW, ctx.button("experiment_new").casefold(): NEW}
    chosen = labels.get(said, said)
    if chosen == REVIEW:
        entry = ctx.entry(ctx.data["pending"], KIND)
        waiting = [entry] if pending(entry) else pending_ones(ctx)  # looked back on meanwhile: the next
        if waiting:
            ctx.data.update(mode=REVIEW, entry=waiting[0].id)
            return Goto(HAPPENED)
        ctx.data["mode"] = NEW  # none left to look back on: a new one
        return Goto(BELIEF, (*refusal(ctx, entry), Reply(ctx.render("experiment/intro"))))
    if chosen == NEW:
        ctx.data["mode"] = NEW
        return Goto(BELIEF, (Reply(ctx.render("experiment/intro")),))
    raise Invalid("experiment/start_tap")


# --------------------------------------------------------------- typed answers


def words(field: str, step: str, skip: str | None = None):
    """A step that takes their words into `field`; [See an example] stays on it, and a
    `skip` option (its value) stores nothing."""

    def read(ctx: Ctx, answer: Answer) -> Goto | None:
        if answer.choice == EXAMPLE:
            return read_example(ctx, step)
        if skip is not None and answer.choice == skip:
            ctx.data[field] = None
            return None
        if not answer.text:
            raise Invalid("experiment/type_it")
        ctx.data[field] = answer.text
        return None

    return read


def words_options(step: str, *more: tuple[str, str]):
    def options(ctx: Ctx) -> OptionRows:
        rows: OptionRows = [[example_option(ctx, step)]]
        rows += [[Option(value, ctx.button(label))] for value, label in more]
        return rows

    return options


def variables(step: str):
    """Where they are, their words quoted back (never hidden ones), the example if open."""

    def make(ctx: Ctx) -> dict[str, Any]:
        example = example_shown(ctx, step)
        part = getattr(example, EXAMPLE_PARTS[step]) if example is not None and step in EXAMPLE_PARTS else None
        return {
            "n": NUMBERS.get(step, 0),
            "belief": shown(ctx.data, "belief"),
            "what": shown(ctx.data, "what"),
            "example": example,
            "part": part,
        }

    return make


def review_variables(step: str):
    def make(ctx: Ctx) -> dict[str, Any]:
        entry = reviewed(ctx)
        planned = entry.data if entry is not None else {}
        return {
            **variables(step)(ctx),
            "belief": shown(planned, "belief"),
            "prediction": shown(planned, "prediction"),
            "know": shown(planned, "know"),
            "before": planned.get("belief_before"),
            "compared": ctx.data.get("compared"),
        }

    return make


def read_strength(field: str):
    def read(ctx: Ctx, answer: Answer) -> None:
        ctx.data[field] = scales.read(answer, 100)

    return read


# ------------------------------------------------------------- looking back


def read_happened(ctx: Ctx, answer: Answer) -> Goto | None:
    if answer.choice == NOT_YET:
        ctx.data["not_done"] = True
        return Goto(None)
    return words("outcome", HAPPENED)(ctx, answer)


def read_compared(ctx: Ctx, answer: Answer) -> None:
    said = answer.choice if answer.choice is not None else (answer.text or "").strip().casefold().rstrip(".!")
    labels = {ctx.button(f"experiment_{value}").casefold(): value for value in COMPARISONS}
    chosen = labels.get(said, said)
    if chosen not in COMPARISONS:
        raise Invalid("experiment/compared_tap")
    ctx.data["compared"] = chosen


def compared_options(ctx: Ctx) -> OptionRows:
    return [[Option(value, ctx.button(f"experiment_{value}"))] for value in COMPARISONS]


# -------------------------------------------------------------------- the end


def planned_data(ctx: Ctx) -> dict[str, Any]:
    d = ctx.data
    return {
        "belief": d.get("belief"),
        "belief_before": d.get("belief_before"),
        "prediction": d.get("prediction"),
        "know": d.get("know"),
        "what": d.get("what"),
        "where": d.get("where"),
        "obstacles": d.get("obstacles"),
        "when": d.get("when"),
        "hidden": sorted(ctx.hidden),
    }


def finish(ctx: Ctx) -> list[Reply]:
    if "mode" not in ctx.data:  # ended for safety on its first question: nothing to keep
        return kind_end(ctx, saved=False)
    return finish_review(ctx) if mode(ctx) == REVIEW else finish_new(ctx)


def finish_new(ctx: Ctx) -> list[Reply]:
    data = planned_data(ctx)
    if ended_for_safety(ctx):
        ctx.record(KIND, {**data, "when": None, "status": STOPPED, "ended_for_safety": True})
        return kind_end(ctx)
    planned = schedule.instant(data["when"])
    follow = schedule.iso(follow_up_time(planned, ctx))
    data.update(follow_up=follow, status=PLANNED, kept_only_until_answered=not ctx.keeps)
    # Kept until it is looked back on, whatever they chose about keeping entries.
    entry = ctx.record(KIND, data, always=True)
    ctx.schedule(Due(f"{REMINDER}:{entry.id}:{data['when']}", REMINDER, data["when"], ref=entry.id))
    ctx.schedule(Due(f"{FOLLOW_UP}:{entry.id}:{follow}", FOLLOW_UP, follow, ref=entry.id))
    said = ctx.render("experiment/saved", when=data["when"], follow_up=follow,
                      prediction=shown(data, "prediction", SUMMARY_CHARS), kept=ctx.keeps)  # fmt: skip
    return [Reply(said)]


def finish_review(ctx: Ctx) -> list[Reply]:
    entry = reviewed(ctx)
    if entry is None:
        return refusal(ctx, ctx.entry(ctx.data["entry"], KIND))
    d = ctx.data
    hidden = sorted(set(entry.data.get("hidden", [])) | ctx.hidden)
    entry.data.update(hidden=hidden, reviewed_at=ctx.now.isoformat(timespec="seconds"))
    if ended_for_safety(ctx):
        entry.data.update(outcome=d.get("outcome"), learned=d.get("learned"), status=STOPPED, ended_for_safety=True)
        replies = kind_end(ctx)
    elif d.get("not_done"):
        entry.data["status"] = NOT_DONE
        replies = [Reply(ctx.render("experiment/not_done", kept=ctx.keeps))]
    else:
        entry.data.update(outcome=d["outcome"], compared=d["compared"], learned=d["learned"],
                          belief_after=d["belief_after"], status=DONE)  # fmt: skip
        summary = {name: shown(entry.data, name, SUMMARY_CHARS) for name in ("prediction", "outcome", "learned")}
        replies = [
            Reply(ctx.render("experiment/summary", d=entry.data, said=summary)),
            Reply(ctx.render("experiment/done", d=entry.data, kept=ctx.keeps),
                  next_steps.rows(next_steps.go(ctx, "thought"), next_steps.go(ctx, "plan"))),
        ]
    ctx.unschedule(REMINDER, entry.id)  # whatever of it is still to come is not needed now
    ctx.unschedule(FOLLOW_UP, entry.id)
    if ctx.keeps:
        ctx.update(entry)
    else:
        ctx.forget(entry)  # kept only until it was looked back on
    return replies


def kind_end(ctx: Ctx, saved: bool = True) -> list[Reply]:
    """The practice ends kindly after the safety detour: what they wrote is kept, hidden."""
    hurt = "harm_from_others" in ctx.risk
    return [Reply(ctx.render("experiment/kind_end", hurt=hurt, abuse=safety.abuse_line_if_hurt(ctx), kept=saved and ctx.keeps))]


def cancelled(ctx: Ctx) -> list[Reply]:
    """Left halfway: nothing planned, or the looking back waits for another time."""
    return [Reply(ctx.render("experiment/cancelled", review=ctx.data.get("mode", REVIEW) == REVIEW))]


def _words_step(step: str, field: str, following: str | None, skip: tuple[str, str] | None = None,
                max_chars: int = WORDS_CHARS, review: bool = False) -> Step:  # fmt: skip
    return Step(
        step,
        f"experiment/{step}",
        words(field, step, skip[0] if skip else None),
        following,
        goes_to=(step,),
        fills=field,
        options=words_options(step, *([skip] if skip else [])),
        variables=review_variables(step) if review else variables(step),
        max_chars=max_chars,
        in_place=True,
    )


def _scale_step(step: str, field: str, following: str | None, review: bool = False) -> Step:
    return Step(step, f"experiment/{step}", read_strength(field), following, options=lambda ctx: scales.options(100),
                variables=review_variables(step) if review else variables(step))  # fmt: skip


STEPS = [
    Step(START, "experiment/start", read_start, BELIEF, goes_to=(HAPPENED,), options=start_options,
         variables=start_variables, max_chars=60),
    # 1. the belief, and how strongly
    _words_step(BELIEF, "belief", STRENGTH),
    _scale_step(STRENGTH, "belief_before", PREDICTION),
    # 2. the prediction, and how they will know
    _words_step(PREDICTION, "prediction", KNOW),
    _words_step(KNOW, "know", WHAT),
    # 3. the experiment: what, when, where, what might get in the way
    _words_step(WHAT, "what", DAY),
    Step(DAY, "experiment/day", when.read_day, TIME, options=when.day_options, variables=variables(DAY)),
    Step(TIME, "experiment/time", when.read_time, WHERE, goes_to=(DAY,), options=when.time_options,
         variables=lambda ctx: {**variables(TIME)(ctx), **when.time_variables(ctx)}),
    _words_step(WHERE, "where", OBSTACLES, max_chars=200),
    _words_step(OBSTACLES, "obstacles", None, skip=(NOTHING, "experiment_nothing")),
    # 4-5. afterwards: what happened, against the prediction
    Step(HAPPENED, "experiment/happened", read_happened, COMPARED, goes_to=(HAPPENED, None), fills="outcome",
         options=words_options(HAPPENED, (NOT_YET, "experiment_not_done")), variables=review_variables(HAPPENED),
         max_chars=WORDS_CHARS, in_place=True),
    Step(COMPARED, "experiment/compared", read_compared, LEARNED, options=compared_options,
         variables=review_variables(COMPARED), max_chars=60),
    # 6. what they learned, and the belief re-rated
    _words_step(LEARNED, "learned", RERATE, review=True),
    _scale_step(RERATE, "belief_after", None, review=True),
]

FLOW = Flow.of(KIND, KIND, STEPS, begin, finish, needs_history=True, cancelled=cancelled, ends_on_risk=ENDS,
               starts=(START, BELIEF, HAPPENED))  # fmt: skip


# ------------------------------------------------------- the reminder and the follow-up


def _due_entry(ctx: Ctx, due: Due, at: str) -> Entry | None:
    """The experiment a row is about, if it still waits for that row (`at`: its field)."""
    entry = ctx.entry(due.ref, KIND) if due.ref is not None else None
    if not pending(entry) or entry is None or entry.data.get(at) != due.due_at:
        return None
    return entry


def send_reminder(ctx: Ctx, due: Due) -> list[Reply]:
    """At the planned time: neutral words (a locked screen may show them); the plan behind a tap."""
    entry = _due_entry(ctx, due, "when")
    if entry is None:
        return []
    show = Button(ctx.button("experiment_show"), data=f"g:xp:{entry.id}:show")
    return [Reply(ctx.render("experiment/reminder"), ((show,),))]


def send_follow_up(ctx: Ctx, due: Due) -> list[Reply]:
    """Afterwards: neutral words, and the looking back behind a tap."""
    entry = _due_entry(ctx, due, "follow_up")
    if entry is None:
        return []
    review = Button(ctx.button("experiment_how_it_went"), data=f"g:xp:{entry.id}:review")
    later = Button(ctx.button("experiment_later"), data=f"g:xp:{entry.id}:later")
    return [Reply(ctx.render("experiment/follow_up"), ((review, later),))]


def press(ctx: Ctx, argument: str) -> Pressed:
    """g:xp:<id>:show|review|later, the reminder's and the follow-up's buttons."""
    raw_id, _, what = argument.partition(":")
    entry = ctx.entry(int(raw_id), KIND) if raw_id.isdigit() else None
    if not pending(entry) or entry is None:
        return Pressed(refusal(ctx, entry))
    if what == "show":
        fields = {name: shown(entry.data, name, SHOWN_CHARS) for name in ("what", "prediction", "know", "obstacles")}
        return Pressed([Reply(ctx.render("experiment/show", d=entry.data, said=fields))])
    if what == "review":
        flow = ctx.state.flow
        if flow is not None and flow.name == KIND and ctx.data.get("entry") == entry.id:
            return Pressed([])  # a second tap: the question is asked again
        # Another practice waits to be picked up afterwards; /experiment's own first choice does not.
        at_start = flow is not None and flow.name == KIND and flow.step == START
        return Pressed([], start=KIND, data={"entry": entry.id}, interrupting=not at_start)
    if what == "later":
        return Pressed([Reply(ctx.render("experiment/later"))])
    return Pressed(refusal(ctx, None))


PRACTICE = Practice(
    flows=(FLOW,),
    buttons=(GlobalButton("xp", press, needs_history=True),),
    scheduled=(Scheduled(REMINDER, send_reminder, reads=Reads(row_entry=True)), Scheduled(FOLLOW_UP, send_follow_up, reads=Reads(row_entry=True))),
    records=(KIND,),
)
