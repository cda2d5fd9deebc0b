"""Local times to UTC instants, for things sent later (the daily mood prompt, reminders).

Times are stored in UTC and computed with zoneinfo from the person's own time zone, so a
prompt set for 20:00 arrives at 20:00 on both sides of a daylight-saving change.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flows.lib import places
from flows.dialogue.core import Due, Settings

UTC = timezone.utc


def zone_of(settings: Settings):
    """Their time zone (UTC until they set one)."""
    return places.tzinfo_for(settings.timezone) if settings.timezone else UTC


def local_date(instant: datetime, settings: Settings) -> date:
    return instant.astimezone(zone_of(settings)).date()


def at_local(day: date, clock: time, settings: Settings) -> datetime:
    """The UTC instant of `clock` on `day` in their time zone (PEP 495: a time skipped in
    spring comes out an hour later, as the clocks show it; a repeated one, the first)."""
    return datetime.combine(day, clock, tzinfo=zone_of(settings)).astimezone(UTC)


def parse_clock(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="seconds")


def instant(at: str) -> datetime:
    """A stored ISO time back as a datetime (the inverse of `iso`)."""
    return datetime.fromisoformat(at)


def local_day_of(at: str, settings: Settings) -> date:
    """The local date (theirs) of a stored time."""
    return local_date(instant(at), settings)


def next_daily(kind: str, hhmm: str | None, now: datetime, settings: Settings, after_today: bool = False) -> Due | None:
    """The next row of a daily `kind` at local `hhmm` (none if it is off): today's if that
    time is still ahead (and `after_today` is not set), else tomorrow's. The key is the
    local date, so at most one is ever sent a day."""
    if not hhmm:
        return None
    clock = parse_clock(hhmm)
    today = local_date(now, settings)
    for day in (today, today + timedelta(days=1), today + timedelta(days=2)):
        instant = at_local(day, clock, settings)
        if instant > now and not (after_today and day == today):
            return Due(f"{kind}:{day.isoformat()}", kind, iso(instant))
    return None  # pragma: no cover - two days ahead is always in the future


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def next_weekly(kind: str, when: str | None, now: datetime, settings: Settings, after_today: bool = False) -> Due | None:
    """The next row of a weekly `kind` at `when` ("sun 20:00", local), keyed by its local date."""
    if not when:
        return None
    day_name, hhmm = when.split()
    clock = parse_clock(hhmm)
    today = local_date(now, settings)
    for ahead in range(15):
        day = today + timedelta(days=ahead)
        if WEEKDAYS[day.weekday()] != day_name:
            continue
        instant = at_local(day, clock, settings)
        if instant > now and not (after_today and day == today):
            return Due(f"{kind}:{day.isoformat()}", kind, iso(instant))
    return None  # pragma: no cover - a weekday comes within a week
