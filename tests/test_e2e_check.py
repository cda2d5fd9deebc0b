"""/check end to end: the real PTB Application over real HTTP against the fake Bot API."""

from __future__ import annotations

import pytest

from flows.lib.content import Content
from tests.conftest import set_up
from tests.e2e import Person, RunningBot, running_bot

ANSWERS = ["Not at all", "Several days", "More than half the days", "Nearly every day"]


async def answer_all(person: Person, fake, answers: list[int]) -> str:
    """Tap each answer on the question's own message (it is edited in place); the last text."""
    for answer in answers:
        await person.press(ANSWERS[answer])
    return fake.messages(person.user_id)[-1].text


@pytest.mark.parametrize("name, answers, expected", [
    ("PHQ-9", [2, 2, 1, 2, 1, 1, 1, 0, 0], "PHQ-9: 10 out of 27\nThat suggests moderate symptoms of depression"),
    ("GAD-7", [3, 2, 2, 2, 2, 2, 2], "GAD-7: 15 out of 21\nThat suggests severe symptoms of anxiety"),
])
async def test_each_questionnaire_to_its_score_and_band_in_one_edited_message(bot: RunningBot, fake, name, answers, expected):
    ana = Person(bot, 4001, "Ana")
    await set_up(ana)
    await ana.send("/check")
    await ana.press(name)
    sent_before = len(fake.messages(ana.user_id))
    text = await answer_all(ana, fake, answers)
    assert text.startswith(expected) and "not a diagnosis" in text
    assert len(fake.messages(ana.user_id)) == sent_before + 1  # every question in one message; then the result


@pytest.mark.parametrize("answer", [1, 2, 3])
async def test_item_9_brings_the_safety_response_before_the_result(bot: RunningBot, fake, answer):
    ana = Person(bot, 4002, "Ana")
    await set_up(ana)
    await ana.send("/check")
    await ana.press("PHQ-9")
    await answer_all(ana, fake, [0] * 8)
    replies = await ana.press(ANSWERS[answer])
    shown = ana.transcript(replies)
    assert "116 123" in shown and "Are you safe right now?" in shown and "out of 27" not in shown
    await ana.press("Safe for now")
    replies = await ana.press("Carry on")
    assert f"PHQ-9: {answer} out of 27" in ana.transcript(replies)


async def test_a_restart_in_the_middle_of_a_questionnaire_continues_it(fake, config, content: Content):
    async with running_bot(fake, config, content) as first:
        ana = Person(first, 4003)
        await set_up(ana)
        await ana.send("/check")
        await ana.press("GAD-7")
        await answer_all(ana, fake, [1, 1, 1])
    async with running_bot(fake, config, content) as second:
        ana.bot = second
        text = await answer_all(ana, fake, [1, 1, 1, 1])  # the keyboard on their screen still works
        assert text.startswith("GAD-7: 7 out of 21")


async def test_progress_sends_a_real_png_chart_through_telegram(bot: RunningBot, fake):
    ana = Person(bot, 4004, "Ana")
    await set_up(ana)
    for score in ("3", "5", "7"):
        await ana.send("/mood")
        await ana.press(score)
        await ana.press("Skip")
        await ana.press("Skip")
    await ana.send("/check")
    await ana.press("PHQ-9")
    await answer_all(ana, fake, [1] * 9)
    chart, words = await ana.send("/progress")
    assert chart.document["file_name"].endswith(".png") and chart.document["data"].startswith(b"\x89PNG\r\n\x1a\n")
    assert "Mood: 3 entries, from 3 to 7" in chart.caption and "PHQ-9: 9 (mild" in chart.caption
    assert "In these 30 days" in words.text


async def test_progress_with_little_data_sends_no_empty_chart(bot: RunningBot):
    ana = Person(bot, 4005, "Ana")
    await set_up(ana)
    [reply] = await ana.send("/progress")
    assert reply.document is None and "isn't enough yet" in reply.text


async def test_the_weekly_summary_arrives_once_through_telegram(bot: RunningBot, fake, clock):
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    ana = Person(bot, 4006, "Ana")
    await set_up(ana, timezone="London")
    await ana.send("/settings")
    await ana.press("Weekly summary: off")
    await ana.press("Sundays at 20:00")
    now = datetime.now(UTC)
    local = now.astimezone(ZoneInfo("Europe/London"))
    sunday = (local + timedelta(days=(6 - local.weekday()) % 7)).replace(hour=20, minute=0, second=30, microsecond=0)
    if sunday <= now:
        sunday += timedelta(weeks=1)
    ticker = bot.ticker(clock)
    clock.now = sunday.astimezone(UTC)
    assert await ticker.drain() == 1 and await ticker.drain() == 0
    ana.seen = len(fake.messages(ana.user_id)) - 1
    assert fake.messages(ana.user_id)[-1].text == "Your weekly summary is ready whenever you'd like to look."
    replies = await ana.press("Show my week")
    assert "Your week" in ana.transcript(replies)
