"""Choosing a day and a time in their own time zone: the steps a new plan and a moved one share."""

from __future__ import annotations

from datetime import date, timedelta

from flows.dialogue.core import Answer, Ctx, Goto, Invalid, Option, OptionRows, Step, in_rows
from flows.lib import places, schedule
from flows.practices.plan.common import local, round_up_to_minute, today

DAY, TIME = "day", "time"
DAYS_AHEAD = 7  # today and the six days after it
TIMES = ("08:00", "10:00", "12:00", "15:00", "18:00", "20:00")  # buttons for a time of day
TONIGHT = 3  # late in the day, the next full hours before midnight make up this many buttons
SOON = 30  # minutes: [In 30 minutes], today, while that is still today
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _days(ctx: Ctx) -> list[date]:
    first = today(ctx)
    return [first + timedelta(days=n) for n in range(DAYS_AHEAD)]


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


def _day(ctx: Ctx) -> date:
    return date.fromisoformat(ctx.data["day"])


def read_time(ctx: Ctx, answer: Answer) -> Goto | None:
    if answer.choice == "day":
        return Goto(DAY)
    said = (answer.choice if answer.choice is not None else answer.text or "").strip()
    delay = timedelta(minutes=SOON) if answer.choice == "soon" else places.parse_delay(said)
    if delay is not None:  # "in 20 minutes", "in an hour": from now, whatever day was chosen
        ctx.data["when"] = schedule.iso(round_up_to_minute(ctx.now + delay))
        return None
    hhmm = places.parse_time(said)
    if hhmm is None:
        raise Invalid("plan/time_unclear")
    day = _day(ctx)
    when = schedule.at_local(day, schedule.parse_clock(hhmm), ctx.settings)
    if when <= ctx.now:
        raise Invalid("plan/time_past", local_now=local(ctx, ctx.now), today=day == today(ctx))
    ctx.data["when"] = schedule.iso(when)
    return None


def _ahead(ctx: Ctx, day: date) -> list[str]:
    """The times still ahead on `day`; late in the day, the next full hours before midnight
    make up TONIGHT of them (at 21:10: 22:00 and 23:00)."""
    later = [hhmm for hhmm in TIMES if schedule.at_local(day, schedule.parse_clock(hhmm), ctx.settings) > ctx.now]
    hour = int(later[-1][:2]) + 1 if later else local(ctx, ctx.now).hour + 1 if day == today(ctx) else 24
    while len(later) < TONIGHT and hour < 24:
        later.append(f"{hour:02d}:00")
        hour += 1
    return later


def _soon(ctx: Ctx, day: date) -> bool:
    """[In 30 minutes]: for today, while that is still today."""
    return day == today(ctx) and local(ctx, ctx.now + timedelta(minutes=SOON)).date() == day


def time_options(ctx: Ctx) -> OptionRows:
    day = _day(ctx)
    soon = [Option("soon", ctx.button("plan_in_30"))] if _soon(ctx, day) else []
    return [*in_rows([Option(hhmm, hhmm) for hhmm in _ahead(ctx, day)], 3), [*soon, Option("day", ctx.button("plan_other_day"))]]


def time_variables(ctx: Ctx) -> dict:
    day, first = _day(ctx), today(ctx)
    return {"day": day, "today": first, "tomorrow": first + timedelta(days=1),
            "none_left": not _ahead(ctx, day) and not _soon(ctx, day)}


def steps(after: str | None, day_variables) -> list[Step]:
    """The day, then the time; then `after` (None: the end). `day_variables` words the day's question."""
    return [
        Step(DAY, "plan/day", read_day, TIME, options=day_options, variables=day_variables),
        Step(TIME, "plan/time", read_time, after, goes_to=(DAY,), options=time_options, variables=time_variables),
    ]
