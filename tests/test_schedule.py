"""Local check-in times to UTC, across daylight-saving changes (flows/lib/schedule.py)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from flows.dialogue.core import Settings
from flows.lib.schedule import at_local, parse_clock
from flows.practices.mood import DAILY_PROMPT

next_mood_prompt = DAILY_PROMPT.following  # the daily prompt's next row, as the bot makes it

UTC = timezone.utc


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    "zone, before, after, utc_before, utc_after",
    [
        # London: clocks go forward on 29 March 2026 and back on 25 October 2026.
        ("Europe/London", date(2026, 3, 28), date(2026, 3, 29), utc(2026, 3, 28, 20), utc(2026, 3, 29, 19)),
        ("Europe/London", date(2026, 10, 24), date(2026, 10, 25), utc(2026, 10, 24, 19), utc(2026, 10, 25, 20)),
        # New York: forward on 8 March 2026, back on 1 November 2026.
        ("America/New_York", date(2026, 3, 7), date(2026, 3, 8), utc(2026, 3, 8, 1), utc(2026, 3, 9, 0)),
        ("America/New_York", date(2026, 10, 31), date(2026, 11, 1), utc(2026, 11, 1, 0), utc(2026, 11, 2, 1)),
    ],
)
def test_the_same_local_time_on_both_sides_of_a_change(zone, before, after, utc_before, utc_after):
    settings = Settings(timezone=zone, reminder="20:00")
    assert at_local(before, parse_clock("20:00"), settings) == utc_before
    assert at_local(after, parse_clock("20:00"), settings) == utc_after


def test_a_time_skipped_in_spring_comes_an_hour_later_and_a_repeated_one_once():
    london = Settings(timezone="Europe/London")
    assert at_local(date(2026, 3, 29), parse_clock("01:30"), london) == utc(2026, 3, 29, 1, 30)  # 02:30 BST
    assert at_local(date(2026, 10, 25), parse_clock("01:30"), london) == utc(2026, 10, 25, 0, 30)  # the first 01:30


def test_the_next_prompt_is_today_if_still_ahead_else_tomorrow_keyed_by_local_date():
    settings = Settings(timezone="Asia/Tokyo", reminder="08:00")
    due = next_mood_prompt(utc(2026, 11, 24, 12), settings)  # 21:00 in Tokyo: tomorrow's
    assert due.key == "mood_prompt:2026-11-25" and due.due_at == "2026-11-24T23:00:00+00:00"
    assert next_mood_prompt(utc(2026, 11, 24, 12), Settings(timezone="Asia/Tokyo", reminder="22:00")).key == "mood_prompt:2026-11-24"
    assert next_mood_prompt(utc(2026, 11, 24, 12), Settings(timezone="UTC+05:30", reminder="09:00")).due_at == "2026-11-25T03:30:00+00:00"
    assert next_mood_prompt(utc(2026, 11, 24, 12), Settings(reminder=None)) is None


def test_after_today_skips_to_tomorrow():
    settings = Settings(timezone="Europe/London", reminder="20:00")
    assert next_mood_prompt(utc(2026, 11, 24, 12), settings, after_today=True).key == "mood_prompt:2026-11-25"
