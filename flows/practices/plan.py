"""/plan: behavioural activation. Plan one small activity, get a neutral reminder at that
time, and rate it afterwards: pleasure and mastery (a sense of achievement), and mood.

The practice: pick a kind of activity, then one from the catalogue (easy ones first; a
step up once easier ones of that kind were done) or type your own; then a day and a time
in their own time zone; then a guess at how enjoyable it will be. The plan is saved at the
end only (so /cancel leaves nothing) and a `plan_reminder` row falls due at that time.

The reminder (flows/practices/nudges.py sends it) never names the activity: it can show on a locked
screen. Its buttons [Done] [Not yet] [Reschedule] work at any moment, in the middle of
another practice too, and every id in them is checked against the person who pressed it.
Done starts the short rating practice ("plan_rate"); Reschedule starts "plan_when".

Without consent a planned activity is still kept, only until its reminder is answered:
after the rating (or when the reminder was missed) it is forgotten.

`/plan list` shows what is planned, what was done (expected against felt pleasure) and
what was missed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from flows.practices import mood
from flows.lib import places, scales, schedule
from flows.lib.content import LEVELS, Activities
from flows.dialogue.core import (
    Answer,
    Button,
    Ctx,
    Due,
    Entry,
    Flow,
    Invalid,
    Option,
    OptionRows,
    Reply,
    Step,
    in_rows,
)

KIND = "activity"
REMINDER = "plan_reminder"
NEW, MOVE, RATE = "new", "move", "rate"  # what a plan flow is doing (ctx.data["mode"])
PLANNED, REMINDED, DONE, MISSED = "planned", "reminded", "done", "missed"

CATEGORY, ACTIVITY, OWN, DAY, TIME, PREDICTED = "category", "activity", "own", "day", "time", "predicted"
PLEASURE, MASTERY, MOOD = "pleasure", "mastery", "mood"

STEP_UP = 2  # done activities of a kind (at a level or harder) before a harder level is suggested
DAYS_AHEAD = 7  # today and the six days after it
TIMES = ("08:00", "10:00", "12:00", "15:00", "18:00", "20:00")  # buttons for a time of day
EVENINGS = (time(19, 0), time(21, 0))  # "this evening" after Not yet: the first still over an hour away
LATER_MINUTES = {"30": 30, "60": 60}
LABEL_CHARS = 120  # a typed activity
LIST_LATEST = 20  # /plan list shows the latest activities
LIST_LABEL_CHARS = 60
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# --------------------------------------------------------------------------- helpers


def _activities(ctx: Ctx) -> list[Entry]:
    return [e for e in ctx.history if e.kind == KIND]


def _category(ctx: Ctx, category_id: str | None):
    return next((c for c in ctx.content.of(Activities).category if c.id == category_id), None)


def _shown_label(data: dict) -> str | None:
    """Their activity as it may be quoted back: never words that screening flagged."""
    if "label" in data.get("hidden", []):
        return None
    return data.get("label")


def _trim(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _local(ctx: Ctx, instant: datetime) -> datetime:
    return instant.astimezone(schedule.zone_of(ctx.settings))


def _today(ctx: Ctx) -> date:
    return schedule.local_date(ctx.now, ctx.settings)


def _round_up_to_minute(instant: datetime) -> datetime:
    whole = instant.replace(second=0, microsecond=0)
    return whole if whole == instant else whole + timedelta(minutes=1)


def _usable(entry: Entry | None) -> bool:
    """A plan its reminder's buttons may still act on (not gone, not already rated)."""
    return entry is not None and entry.data.get("status") != DONE


def _refusal(ctx: Ctx, entry: Entry | None) -> list[Reply]:
    """A stale, forged or finished plan's button: politely, never an error."""
    done = entry is not None and entry.data.get("status") == DONE
    return [Reply(ctx.render("plan/gone", done=done))]


def _set_time(ctx: Ctx, entry: Entry, when: datetime) -> None:
    """Move a plan to `when` (UTC): the reminder still due is dropped, a new one made."""
    when_iso = schedule.iso(when)
    ctx.unschedule(REMINDER, entry.id)
    entry.data["when"] = when_iso
    entry.data["status"] = PLANNED
    ctx.update(entry)
    ctx.schedule(Due(f"plan:{entry.id}:{when_iso}", REMINDER, when_iso, ref=entry.id))


# ----------------------------------------------------------------- choosing an activity


def suggested_level(ctx: Ctx, category: str) -> str:
    """Easy first; a step up once STEP_UP activities of this kind, at that level or
    harder, were done. Their own typed activities count as easy ones."""
    done = Counter(
        e.data.get("level") or "easy"
        for e in _activities(ctx)
        if e.data.get("status") == DONE and e.data.get("category") == category
    )
    level = "easy"
    for easier, harder in pairwise(LEVELS):
        at_or_above = sum(done[name] for name in LEVELS[LEVELS.index(easier) :])
        if at_or_above >= STEP_UP:
            level = harder
    return level


def read_category(ctx: Ctx, answer: Answer) -> None:
    said = (answer.choice if answer.choice is not None else answer.text or "").strip().casefold()
    chosen = next(
        (c for c in ctx.content.of(Activities).category if said in (c.id, c.name.casefold())),
        None,
    )
    if chosen is None:
        raise Invalid("plan/category_tap")
    ctx.data["category"] = chosen.id
    ctx.data.pop("level", None)
    ctx.data["go"] = ACTIVITY


def category_options(ctx: Ctx) -> OptionRows:
    return [[Option(c.id, c.name)] for c in ctx.content.of(Activities).category]


def _view_level(ctx: Ctx) -> str:
    return ctx.data.get("level") or suggested_level(ctx, ctx.data["category"])


def read_activity(ctx: Ctx, answer: Answer) -> None:
    category = ctx.data["category"]
    if answer.choice is not None:
        kind, _, value = answer.choice.partition(":")
        if kind == "lv" and value in LEVELS:
            ctx.data["level"] = value
            ctx.data["go"] = ACTIVITY
            return
        if kind == "back":
            ctx.data["go"] = CATEGORY
            return
        if kind == "own":
            ctx.data["go"] = OWN
            return
        chosen = next(
            (
                a
                for a in ctx.content.of(Activities).activity
                if kind == "a" and a.id == value and a.category == category
            ),
            None,
        )
        if chosen is None:
            raise Invalid("plan/activity_tap")
        _choose(ctx, chosen.label, chosen.id, chosen.level)
        return
    _read_own_words(ctx, answer)


def _read_own_words(ctx: Ctx, answer: Answer) -> None:
    typed = " ".join((answer.text or "").split())
    if not typed:
        raise Invalid("plan/own_tap")
    same = next(
        (
            a
            for a in ctx.content.of(Activities).activity
            if a.category == ctx.data["category"] and a.label.casefold() == typed.casefold()
        ),
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
    ctx.data["go"] = DAY


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
    return {
        "category": _category(ctx, category),
        "level": _view_level(ctx),
        "suggested": suggested_level(ctx, category),
    }


def read_own(ctx: Ctx, answer: Answer) -> None:
    if answer.choice == "back":
        ctx.data["go"] = ACTIVITY
        return
    _read_own_words(ctx, answer)


def own_options(ctx: Ctx) -> OptionRows:
    return [[Option("back", ctx.button("plan_back_to_list"))]]


# ------------------------------------------------------------------------- when


def _days(ctx: Ctx) -> list[date]:
    today = _today(ctx)
    return [today + timedelta(days=n) for n in range(DAYS_AHEAD)]


def read_day(ctx: Ctx, answer: Answer) -> None:
    days = _days(ctx)
    if answer.choice is not None:
        kind, _, value = answer.choice.partition(":")
        try:
            day = date.fromisoformat(value) if kind == "d" else None
        except ValueError:
            day = None
        if day is not None and day < days[0]:
            raise Invalid("plan/day_past")  # a button from a day that has gone
    else:
        day = _typed_day((answer.text or "").strip().casefold(), days)
    if day is None or day not in days:
        raise Invalid("plan/day_tap")
    ctx.data["day"] = day.isoformat()
    ctx.data["go"] = TIME


def _typed_day(said: str, days: list[date]) -> date | None:
    said = said.removeprefix("on ").strip().rstrip(".")
    if said in ("today", "tonight", "this evening", "now"):
        return days[0]
    if said == "tomorrow":
        return days[1]
    for day in days:
        name = WEEKDAYS[day.weekday()]
        if said and (said == name or (len(said) >= 3 and name.startswith(said))):
            return day
    try:
        return date.fromisoformat(said)
    except ValueError:
        return None


def day_options(ctx: Ctx) -> OptionRows:
    days = _days(ctx)
    first = [
        Option(f"d:{days[0].isoformat()}", ctx.button("plan_today")),
        Option(f"d:{days[1].isoformat()}", ctx.button("plan_tomorrow")),
    ]
    rest = [Option(f"d:{d.isoformat()}", ctx.button("plan_day", date=d)) for d in days[2:]]
    return [first, *in_rows(rest, 3)]


def day_variables(ctx: Ctx) -> dict:
    return {"label": None if _label_hidden(ctx) else ctx.data.get("label"), "moving": ctx.data.get("mode") == MOVE}


def _label_hidden(ctx: Ctx) -> bool:
    """Did screening flag the activity they typed? Then it is never quoted back."""
    return bool({OWN, ACTIVITY} & set(ctx.data.get("hidden", [])))


def _day(ctx: Ctx) -> date:
    return date.fromisoformat(ctx.data["day"])


def read_time(ctx: Ctx, answer: Answer) -> None:
    if answer.choice == "day":
        ctx.data["go"] = DAY
        return
    said = (answer.choice if answer.choice is not None else answer.text or "").strip()
    hhmm = places.parse_time(said)
    if hhmm is None:
        raise Invalid("plan/time_unclear")
    day = _day(ctx)
    when = schedule.at_local(day, schedule.parse_clock(hhmm), ctx.settings)
    if when <= ctx.now:
        raise Invalid(
            "plan/time_past",
            local_now=_local(ctx, ctx.now),
            today=day == _today(ctx),
        )
    ctx.data["when"] = schedule.iso(when)
    ctx.data["go"] = PREDICTED if ctx.data.get("mode") == NEW else None


def time_options(ctx: Ctx) -> OptionRows:
    day = _day(ctx)
    ahead = [
        Option(hhmm, hhmm)
        for hhmm in TIMES
        if schedule.at_local(day, schedule.parse_clock(hhmm), ctx.settings) > ctx.now
    ]
    return [*in_rows(ahead, 3), [Option("day", ctx.button("plan_other_day"))]]


def time_variables(ctx: Ctx) -> dict:
    day = _day(ctx)
    today = _today(ctx)
    return {
        "day": day,
        "today": today,
        "tomorrow": today + timedelta(days=1),
        "none_left": not any(
            schedule.at_local(day, schedule.parse_clock(hhmm), ctx.settings) > ctx.now for hhmm in TIMES
        ),
    }


def read_predicted(ctx: Ctx, answer: Answer) -> None:
    ctx.data["predicted"] = scales.read(answer, 10)
    ctx.data["go"] = None


# --------------------------------------------------------------------- rating it


def _reader(name: str):
    def read(ctx: Ctx, answer: Answer) -> None:
        ctx.data[name] = scales.read(answer, 10)

    return read


def _scale(ctx: Ctx) -> OptionRows:
    return scales.options(10)


# ---------------------------------------------------------------- starting and ending


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    """/plan, /plan list; and (as plan_when / plan_rate) a plan's Reschedule or Done."""
    if (ctx.data.get("args") or "").strip().casefold() == "list":
        return [show_list(ctx)], None
    if "entry" in ctx.data:
        entry = ctx.entry(ctx.data["entry"], KIND)
        if not _usable(entry):
            return _refusal(ctx, entry), None
        assert entry is not None
        label = _shown_label(entry.data)
        if ctx.data.get("mode") == RATE:
            return [Reply(ctx.render("plan/rate_intro", label=label))], PLEASURE
        ctx.data["mode"] = MOVE
        return [Reply(ctx.render("plan/move_intro", label=label))], DAY
    ctx.data["mode"] = NEW
    return [Reply(ctx.render("plan/intro"))], CATEGORY


def _begin_rate(ctx: Ctx) -> tuple[list[Reply], str | None]:
    if "entry" in ctx.data:
        ctx.data["mode"] = RATE
    return begin(ctx)


def finish(ctx: Ctx) -> list[Reply]:
    mode = ctx.data.get("mode")
    if mode == RATE:
        return _finish_rating(ctx)
    if mode == MOVE:
        return _finish_move(ctx)
    return _finish_new(ctx)


def _finish_new(ctx: Ctx) -> list[Reply]:
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
    if _label_hidden(ctx):
        entry_data["hidden"] = ["label"]
    entry = ctx.record(KIND, entry_data, always=True)
    when = data["when"]
    ctx.schedule(Due(f"plan:{entry.id}:{when}", REMINDER, when, ref=entry.id))
    return [
        Reply(
            ctx.render(
                "plan/saved",
                label=_shown_label(entry_data),
                when=when,
                kept=ctx.keeps,
            )
        )
    ]


def _finish_move(ctx: Ctx) -> list[Reply]:
    entry = ctx.entry(ctx.data["entry"], KIND)
    if not _usable(entry):
        return _refusal(ctx, entry)
    assert entry is not None
    _set_time(ctx, entry, datetime.fromisoformat(ctx.data["when"]))
    return [Reply(ctx.render("plan/moved", when=entry.data["when"], label=_shown_label(entry.data)))]


def _finish_rating(ctx: Ctx) -> list[Reply]:
    entry = ctx.entry(ctx.data["entry"], KIND)
    if not _usable(entry):
        return _refusal(ctx, entry)
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
    replies = [
        Reply(
            ctx.render(
                "plan/rated",
                predicted=entry.data.get("predicted"),
                pleasure=entry.data["pleasure"],
                mastery=entry.data["mastery"],
                kept=ctx.keeps,
            )
        )
    ]
    if entry.data["mood"] <= mood.LOW:
        replies.append(Reply(ctx.render("mood/low")))
    return replies


def cancelled(ctx: Ctx) -> list[Reply]:
    """Left unfinished: a new plan leaves nothing; a rating or a move left halfway offers
    the reminder's buttons again (Telegram closed the reminder's own when it was tapped).
    /cancel does not load their entries: the buttons check the id when they are pressed."""
    mode = ctx.data.get("mode")
    if mode in (RATE, MOVE) and isinstance(ctx.data.get("entry"), int):
        return [Reply(ctx.render("plan/cancelled", mode=mode), _reminder_buttons(ctx, ctx.data["entry"]))]
    return [Reply(ctx.render("plan/cancelled", mode=NEW))]


# ---------------------------------------------------------------------- /plan list


def show_list(ctx: Ctx) -> Reply:
    latest = sorted(_activities(ctx), key=lambda e: e.id, reverse=True)[:LIST_LATEST]

    def view(entry: Entry) -> dict:
        return {**entry.data, "label": _trim(_shown_label(entry.data), LIST_LABEL_CHARS)}

    planned = sorted(
        (view(e) for e in latest if e.data.get("status") in (PLANNED, REMINDED)),
        key=lambda d: d.get("when") or "",
    )
    done = [view(e) for e in latest if e.data.get("status") == DONE]
    missed = sorted(
        (view(e) for e in latest if e.data.get("status") == MISSED),
        key=lambda d: d.get("when") or "",
        reverse=True,
    )
    rated = [d for d in done if d.get("predicted") is not None and d.get("pleasure") is not None]
    averages = None
    if len(rated) >= 2:
        averages = {
            "expected": round(sum(d["predicted"] for d in rated) / len(rated), 1),
            "felt": round(sum(d["pleasure"] for d in rated) / len(rated), 1),
        }
    text = ctx.render(
        "plan/list",
        planned=planned,
        done=done,
        missed=missed,
        averages=averages,
        kept=ctx.keeps,
        more=len(_activities(ctx)) > LIST_LATEST,
    )
    return Reply(text)


# ------------------------------------------------------------------- the reminder


def reminder(ctx: Ctx, due: Due) -> list[Reply]:
    """The neutral reminder (it may show on a locked screen): never the activity."""
    entry = ctx.entry(due.ref, KIND) if due.ref is not None else None
    if not _usable(entry) or entry is None or entry.data.get("when") != due.due_at:
        return []  # gone, done, or moved to another time since this row was made
    entry.data["status"] = REMINDED
    ctx.update(entry)
    return [Reply(ctx.render("nudge/plan_reminder"), _reminder_buttons(ctx, entry.id))]


def _reminder_buttons(ctx: Ctx, entry_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(ctx.button("plan_done"), data=f"g:pa:{entry_id}:done"),
            Button(ctx.button("plan_not_yet"), data=f"g:pa:{entry_id}:later"),
            Button(ctx.button("plan_reschedule"), data=f"g:pa:{entry_id}:move"),
        ),
    )


def missed(ctx: Ctx, due: Due) -> None:
    """Its time passed while the bot was down too long: shown as missed, not sent late."""
    entry = ctx.entry(due.ref, KIND) if due.ref is not None else None
    if not _usable(entry) or entry is None or entry.data.get("when") != due.due_at:
        return
    if ctx.keeps:
        entry.data["status"] = MISSED
        ctx.update(entry)
    else:
        ctx.forget(entry)  # without consent a plan is kept only until its reminder is answered


# ---------------------------------------------------------- the reminder's buttons

Handled = tuple[list[Reply], str | None, dict] | None


BUTTONS = ("pa", "pl")  # the reminder's buttons, and Not yet's times


def button(ctx: Ctx, action: str, argument: str) -> Handled:
    """g:pa:<id>:done|later|move (the reminder) and g:pl:<id>:30|60|evening (Not yet)."""
    if action not in BUTTONS:
        return None
    raw_id, _, what = argument.partition(":")
    entry = ctx.entry(int(raw_id), KIND) if raw_id.isdigit() else None
    if not _usable(entry):
        return _refusal(ctx, entry), None, {}
    assert entry is not None
    if action == "pa":
        started = {"done": ("plan_rate", RATE), "move": ("plan_when", MOVE)}.get(what)
        if started and _already_in(ctx, started[1], entry.id):
            return [], None, {}  # a second tap on the same button: the question is asked again
        if what == "done":
            return [], "plan_rate", {"entry": entry.id}
        if what == "move":
            return [], "plan_when", {"entry": entry.id}
        if what == "later":
            return [_later_offer(ctx, entry)], None, {}
    elif action == "pl":
        when = _later_time(ctx, what)
        if when is not None:
            _set_time(ctx, entry, when)
            at = _local(ctx, when)
            return [Reply(ctx.render("plan/later_set", at=at, next_day=at.date() != _today(ctx)))], None, {}
        if what == "evening":
            return [Reply(ctx.render("plan/evening_gone")), _later_offer(ctx, entry)], None, {}
    return _refusal(ctx, None), None, {}


def _already_in(ctx: Ctx, mode: str, entry_id: int) -> bool:
    """Are they already rating (or moving) this very plan? ctx.data is the current flow's."""
    flow = ctx.state.flow if ctx.state is not None else None
    return (
        flow is not None
        and flow.name in ("plan_rate", "plan_when")
        and ctx.data.get("mode") == mode
        and ctx.data.get("entry") == entry_id
    )


def _evening(ctx: Ctx) -> datetime | None:
    """This evening, if it is still far enough ahead to be worth a button."""
    for clock in EVENINGS:
        at = schedule.at_local(_today(ctx), clock, ctx.settings)
        if at > ctx.now + timedelta(minutes=max(LATER_MINUTES.values())):
            return at
    return None


def _later_time(ctx: Ctx, what: str) -> datetime | None:
    if what in LATER_MINUTES:
        return _round_up_to_minute(ctx.now + timedelta(minutes=LATER_MINUTES[what]))
    if what == "evening":
        return _evening(ctx)
    return None


def _later_offer(ctx: Ctx, entry: Entry) -> Reply:
    row = [
        Button(ctx.button("plan_in_30"), data=f"g:pl:{entry.id}:30"),
        Button(ctx.button("plan_in_60"), data=f"g:pl:{entry.id}:60"),
    ]
    evening = _evening(ctx)
    if evening is not None:
        row.append(Button(ctx.button("plan_evening", time=f"{_local(ctx, evening):%H:%M}"), data=f"g:pl:{entry.id}:evening"))
    other = Button(ctx.button("plan_reschedule"), data=f"g:pa:{entry.id}:move")
    return Reply(ctx.render("plan/later"), (tuple(row), (other,)))


# ------------------------------------------------------------------------- flows


def _go(ctx: Ctx) -> str | None:
    return ctx.data.get("go")


STEPS = [
    Step(CATEGORY, "plan/category", read_category, _go, options=category_options),
    Step(ACTIVITY, "plan/activity", read_activity, _go, options=activity_options,
         variables=activity_variables, max_chars=LABEL_CHARS),
    Step(OWN, "plan/own", read_own, _go, options=own_options, max_chars=LABEL_CHARS),
    Step(DAY, "plan/day", read_day, _go, options=day_options, variables=day_variables),
    Step(TIME, "plan/time", read_time, _go, options=time_options, variables=time_variables),
    Step(PREDICTED, "plan/predicted", read_predicted, _go, options=_scale),
    Step(PLEASURE, "plan/rate_pleasure", _reader(PLEASURE), MASTERY, options=_scale),
    Step(MASTERY, "plan/rate_mastery", _reader(MASTERY), MOOD, options=_scale),
    Step(MOOD, "plan/rate_mood", _reader(MOOD), None, options=_scale),
]

# The three plan flows share their steps and tell what they are doing from their data
# ("mode": new, move or rate). /plan starts the first; a reminder's buttons start the
# other two, which have no command of their own.
FLOW = Flow.of("plan", "plan", STEPS, begin, finish, needs_history=True, cancelled=cancelled)
RATE_FLOW = Flow.of("plan_rate", None, STEPS, _begin_rate, finish, needs_history=True, cancelled=cancelled)
WHEN_FLOW = Flow.of("plan_when", None, STEPS, begin, finish, needs_history=True, cancelled=cancelled)
MORE_FLOWS: list[Flow] = [RATE_FLOW, WHEN_FLOW]
