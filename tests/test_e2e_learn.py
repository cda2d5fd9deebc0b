"""/learn end to end: the real PTB Application over real HTTP against the fake Bot API, and
at the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.lib.content import Content
from flows.practices.learn import Lessons
from tests.conftest import CONSOLE_SET_UP, Clock, run_console, set_up
from tests.e2e import Person, RunningBot


async def test_the_menu_a_whole_lesson_and_try_it_now_through_telegram(bot: RunningBot, content: Content):
    ana = Person(bot, 3001, "Ana")
    await set_up(ana)
    await ana.send("/learn")
    first = content.of(Lessons).lesson[0]
    assert ana.labels()[0] == first.title
    await ana.press(first.title)
    for _ in range(first.pages - 1):
        await ana.press("Next ›")
    assert ana.labels()[:2] == ["Try it now", "Another lesson"]
    await ana.press("Try it now")
    assert "Full record" in ana.labels()  # the thought record began


async def test_learn_traps_and_one_traps_lesson_through_telegram(bot: RunningBot):
    ana = Person(bot, 3002, "Ana")
    await set_up(ana)
    replies = await ana.send("/learn mind_reading")
    assert "mind" in ana.transcript(replies).casefold() and ana.labels() == ["Next ›"]
    replies = await ana.send("/learn traps")
    assert ana.labels() == ["Next ›"]


async def test_the_daily_lesson_arrives_through_telegram(bot: RunningBot, fake, clock: Clock):
    ana = Person(bot, 3003, "Ana")
    await set_up(ana, timezone="London")
    await ana.send("/learn")
    await ana.press(ana.labels()[0])
    while "Next ›" in ana.labels():
        await ana.press("Next ›")
    await ana.press("A lesson a day")
    # The bot ticks on the real clock: the next 20:00 in London (UTC in winter, BST in summer).
    now = datetime.now(UTC)
    due = now.astimezone(ZoneInfo("Europe/London")).replace(hour=20, minute=0, second=30, microsecond=0)
    if due <= now:
        due += timedelta(days=1)
    ticker = bot.ticker(clock)
    clock.now = due.astimezone(UTC)
    assert await ticker.tick() == 1
    [daily] = fake.messages(ana.user_id)[ana.seen:]
    assert daily.text == "A short lesson is ready whenever you are."
    ana.seen += 1
    await ana.press("Open today's lesson")
    assert "Next ›" in ana.labels()
    assert await ticker.tick() == 0  # once a day


def test_the_console_runs_a_lesson(tmp_path: Path):
    result = run_console(tmp_path, [*CONSOLE_SET_UP, "/learn", "1", "/cancel"])
    assert result.returncode == 0, result.stderr
    assert "Lessons" in result.stdout and "Next ›" in result.stdout
