"""/check: the PHQ-9 (low mood) and GAD-7 (anxiety) questionnaires that talking-therapy
services use, one item a message, edited in place.

The wording, answers, scoring and bands are content (content/practices/questionnaires.toml),
each copied from the instruments' published forms with its source. The result is the total,
its band ("suggests … symptoms", never a diagnosis), that a doctor or therapist can help make
sense of it, and the change since their last one (reliable only past the published margin).

PHQ-9's item 9 (thoughts of being better off dead, or of hurting yourself) is a tapped
answer carrying risk: any answer above "Not at all" brings the safety response at once,
before the questionnaire goes on, and is recorded as a risk event. It is never dropped.

A repeat in two weeks, if they want one, is a scheduled row with neutral words.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flows.dialogue.core import Answer, Button, Ctx, Due, Flow, Goto, Invalid, Option, OptionRows, Reply, Step
from flows.dialogue.registry import GlobalButton, Practice, Pressed, Scheduled
from flows.lib import schedule
from flows.lib.content import DataFile, button_id, https_only
from flows.practices import next_steps

KIND = "check"
CHOOSE, ITEM = "choose", "item"
REPEAT = "check_repeat"
REPEAT_AFTER = timedelta(days=14)
ITEM_RISK = frozenset({"suicidal"})  # PHQ-9 item 9 above "Not at all": the safety response


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    low: int = Field(alias="from")
    high: int = Field(alias="to")
    name: str


class Questionnaire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    symptoms: str  # what a band describes: "suggests mild symptoms of depression"
    about: str
    stem: str
    answers: list[str] = Field(min_length=4, max_length=4)  # scored 0, 1, 2, 3
    items: list[str] = Field(min_length=2)
    risk_item: int | None = None  # 1-based: an answer above the first carries risk
    bands: list[Band]
    reliable_change: int = Field(ge=1)
    sources: list[str] = Field(min_length=1)

    _id_shape = field_validator("id")(button_id)

    @field_validator("sources")
    @classmethod
    def _https(cls, value: list[str]) -> list[str]:
        return [https_only(url) for url in value]

    @model_validator(mode="after")
    def _bands_cover_every_total(self) -> Questionnaire:
        top = 3 * len(self.items)
        edges = [(band.low, band.high) for band in self.bands]
        if not edges or edges[0][0] != 0 or edges[-1][1] != top or any(a[1] + 1 != b[0] for a, b in zip(edges, edges[1:])):
            raise ValueError(f"bands must run without gaps from 0 to {top}")
        if self.risk_item is not None and not 1 <= self.risk_item <= len(self.items):
            raise ValueError("risk_item is the number of one of its items")
        return self

    @property
    def top(self) -> int:
        return 3 * len(self.items)

    def band(self, total: int) -> str:
        return next(band.name for band in self.bands if band.low <= total <= band.high)


class Questionnaires(DataFile):
    path = "practices/questionnaires.toml"

    attribution: str
    licence: str
    licence_source: str
    questionnaire: list[Questionnaire] = Field(min_length=1)


def questionnaires(ctx: Ctx) -> list[Questionnaire]:
    return ctx.content.of(Questionnaires).questionnaire


def questionnaire(ctx: Ctx, wanted: str | None = None) -> Questionnaire | None:
    wanted = (wanted or ctx.data.get("q") or "").strip().casefold().replace("-", "")
    return next((q for q in questionnaires(ctx) if wanted in (q.id, q.name.casefold().replace("-", ""))), None)


def score(q: Questionnaire, answers: list[int]) -> tuple[int, str]:
    """The total and its band, as the published scoring instructions add them up."""
    if len(answers) != len(q.items) or any(not 0 <= a <= 3 for a in answers):
        raise ValueError(f"{q.name} takes {len(q.items)} answers of 0-3")
    total = sum(answers)
    return total, q.band(total)


# -------------------------------------------------------------------------- steps


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    chosen = questionnaire(ctx, ctx.data.get("args"))
    if chosen is None:
        return [], CHOOSE
    _start(ctx, chosen)
    return [], ITEM


def _start(ctx: Ctx, chosen: Questionnaire) -> None:
    ctx.data.update(q=chosen.id, answers=[])


def choose_options(ctx: Ctx) -> OptionRows:
    return [[Option(q.id, q.name)] for q in questionnaires(ctx)]


def read_choose(ctx: Ctx, answer: Answer) -> None:
    chosen = questionnaire(ctx, answer.choice or answer.text)
    if chosen is None:
        raise Invalid("check/choose_tap", questionnaires=questionnaires(ctx))
    _start(ctx, chosen)


def _current(ctx: Ctx) -> Questionnaire:
    chosen = questionnaire(ctx)
    assert chosen is not None, "a questionnaire content no longer has"
    return chosen


def item_options(ctx: Ctx) -> OptionRows:
    q = _current(ctx)
    number = len(ctx.data["answers"]) + 1
    risky = number == q.risk_item
    return [
        [Option(str(value), label, risk=ITEM_RISK if risky and value > 0 else frozenset())]
        for value, label in enumerate(q.answers)
    ]


def item_variables(ctx: Ctx) -> dict:
    q = _current(ctx)
    number = len(ctx.data["answers"]) + 1
    return {"q": q, "number": number, "total": len(q.items), "item": q.items[number - 1]}


def read_item(ctx: Ctx, answer: Answer) -> Goto | None:
    q = _current(ctx)
    said = (answer.choice if answer.choice is not None else answer.text or "").strip().casefold()
    words = [label.casefold() for label in q.answers]
    value = int(said) if said.isdigit() and int(said) <= 3 else words.index(said) if said in words else None
    if value is None:
        raise Invalid("check/item_tap", q=q)
    ctx.data["answers"].append(value)
    return Goto(ITEM) if len(ctx.data["answers"]) < len(q.items) else None


def finish(ctx: Ctx) -> list[Reply]:
    q = _current(ctx)
    total, band = score(q, ctx.data["answers"])
    before = next((e for e in ctx.history if e.kind == KIND and e.data.get("questionnaire") == q.id), None)
    change = total - before.data["total"] if before is not None else None
    ctx.record(KIND, {"questionnaire": q.id, "name": q.name, "answers": list(ctx.data["answers"]), "total": total, "band": band})
    repeat = Button(ctx.button("check_repeat"), data=f"g:checkrepeat:{q.id}")
    reliable = change is not None and abs(change) >= q.reliable_change  # past how much scores wobble
    said = ctx.render("check/result", q=q, total=total, band=band, change=change, reliable=reliable, kept=ctx.keeps)
    return [Reply(said, ((repeat,), *next_steps.rows(next_steps.go(ctx, "checkin"), next_steps.go(ctx, "thought"))))]


FLOW = Flow.of(
    KIND,
    KIND,
    [
        Step(CHOOSE, "check/choose", read_choose, ITEM, options=choose_options,
             variables=lambda ctx: {"questionnaires": questionnaires(ctx)}, max_chars=40),
        Step(ITEM, "check/item", read_item, None, goes_to=(ITEM,), options=item_options, variables=item_variables,
             max_chars=40, in_place=True),
    ],
    begin,
    finish,
    needs_history=True,
    starts=(CHOOSE, ITEM),
)


# ----------------------------------------------------------- a repeat in two weeks


def press_repeat(ctx: Ctx, q_id: str) -> Pressed:
    """[Remind me in two weeks]: one neutral reminder, at this time of day, 14 days on."""
    q = questionnaire(ctx, q_id)
    if q is None:
        return Pressed([Reply(ctx.render("general/stale_button", in_flow=False))])
    when = schedule.iso(ctx.now + REPEAT_AFTER)
    ctx.unschedule(REPEAT)
    ctx.schedule(Due(f"{REPEAT}:{q.id}:{when}", REPEAT, when))
    return Pressed([Reply(ctx.render("check/repeat_set", when=when, q=q))])


def send_repeat(ctx: Ctx, due: Due) -> list[Reply]:
    """Neutral words (a locked screen may show them)."""
    q_id = due.key.split(":")[1]
    start = Button(ctx.button("check_start"), data=f"g:checkstart:{q_id}")
    return [Reply(ctx.render("check/repeat_due"), ((start,),))]


def press_start(ctx: Ctx, q_id: str) -> Pressed:
    return Pressed([], start=FLOW.name, data={"args": q_id})


PRACTICE = Practice(
    flows=(FLOW,),
    buttons=(GlobalButton("checkrepeat", press_repeat), GlobalButton("checkstart", press_start)),
    scheduled=(Scheduled(REPEAT, send_repeat),),
    records=(KIND,),
)
