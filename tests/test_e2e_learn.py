"""/learn end to end: the real PTB Application over real HTTP against the fake Bot API, and
at the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.lib import markup
from flows.lib.content import Content
from flows.practices.learn import Lessons
from tests.conftest import CONSOLE_SET_UP, Clock, run_console, set_up
from tests.e2e import Person, RunningBot, running_bot


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
    assert await ticker.drain() == 1
    [daily] = fake.messages(ana.user_id)[ana.seen:]
    assert daily.text == "A short lesson is ready whenever you are."
    ana.seen += 1
    await ana.press("Open today's lesson")
    assert "Next ›" in ana.labels()
    assert await ticker.drain() == 0  # once a day


def test_the_console_runs_a_lesson(tmp_path: Path):
    result = run_console(tmp_path, [*CONSOLE_SET_UP, "/learn", "1", "/cancel"])
    assert result.returncode == 0, result.stderr
    assert "Lessons" in result.stdout and "Next ›" in result.stdout


async def test_personal_facts_with_and_without_history_through_telegram(bot: RunningBot):
    ana = Person(bot, 3004, "Ana")
    await set_up(ana)
    await ana.send("/learn thinking_traps")
    while "Next ›" in ana.labels():
        await ana.press("Next ›")
    without = ana.transcript()
    # Two finished thought records, both naming mind reading (as if written here before).
    storage = bot.telegram_bot.storage
    state = await storage.load(ana.user_id, ana.user_id)
    for n in range(2):
        state.changes.saves.append(state.new_entry("thought", f"2026-11-2{n}T10:00:00+00:00", {"traps": ["Mind reading"]}))
    await storage.save(state)
    before = len(bot.fake.messages(ana.user_id))
    await ana.send("/learn thinking_traps")
    while "Next ›" in ana.labels():
        await ana.press("Next ›")
    with_history = ana.transcript(bot.fake.messages(ana.user_id)[before:])
    assert "named most often is Mind reading" in with_history and "named most often" not in without


async def test_back_off_over_ten_days_then_stop_them_through_telegram(bot: RunningBot, fake, clock: Clock):
    ana = Person(bot, 3005, "Ana")
    await set_up(ana, timezone="London", reminder="20:00")
    now = datetime.now(UTC)
    first = now.astimezone(ZoneInfo("Europe/London")).replace(hour=20, minute=0, second=30, microsecond=0)
    if first <= now:
        first += timedelta(days=1)
    ticker = bot.ticker(clock)
    arrived = []
    for day in range(12):  # nobody answers
        clock.now = (first + timedelta(days=day)).astimezone(UTC)
        arrived.append(await ticker.drain())
    assert arrived == [1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1]  # every other day after three; the 12th pauses
    paused = fake.messages(ana.user_id)[-1]
    assert "pause" in paused.text
    ana.seen = len(fake.messages(ana.user_id))
    replies = await ana.press("Stop them")
    assert "no more daily check-ins" in ana.transcript(replies)
    for day in range(12, 16):
        clock.now = (first + timedelta(days=day)).astimezone(UTC)
        assert await ticker.drain() == 0


async def test_a_restart_in_the_middle_of_a_lesson_continues_it(fake, config, content: Content):
    lesson = next(item for item in content.of(Lessons).lesson if item.pages >= 3)
    async with running_bot(fake, config, content) as first:
        ana = Person(first, 3006)
        await set_up(ana)
        await ana.send(f"/learn {lesson.id}")
        await ana.press("Next ›")
    async with running_bot(fake, config, content) as second:
        ana.bot = second
        replies = await ana.press("Next ›")  # the keyboard on their screen still works
        empty = {"trap_most": None, "thoughts_finished": 0, "best_activity": None, "checkin_change": None}
        page_three = markup.visible_text(content.render(f"learn/{lesson.id}/3", facts=empty, settings=None))
        assert page_three.split("\n")[0] in ana.transcript(replies)
