"""/progress: a real PNG chart with words that carry the same facts, and the little-data path."""

from __future__ import annotations

from flows.lib import markup
from tests.conftest import Chat, Clock, log_mood, set_up
from tests.test_check import take

PNG = b"\x89PNG\r\n\x1a\n"


async def test_with_little_data_it_says_what_would_make_a_chart(ana: Chat):
    await set_up(ana)
    await log_mood(ana, 5)
    replies = await ana.send("/progress")
    assert [r.document for r in replies] == [None]
    assert "1 mood in the last 30 days" in markup.visible_text(ana.text) and "2 or more" in ana.text


async def test_without_consent_it_says_why_there_is_nothing(ana: Chat):
    await set_up(ana, consent="No, don't keep them")
    await ana.send("/progress")
    assert "chose not to keep entries" in ana.text and ana.replies[0].document is None


async def test_a_chart_and_the_same_facts_in_words(ana: Chat, clock: Clock):
    await set_up(ana)
    for day, score in enumerate([3, 4, 6, 7]):
        await log_mood(ana, score)
        clock.move(days=4)
    await take(ana, "GAD-7", [2, 2, 2, 1, 1, 1, 1])
    replies = await ana.send("/progress")
    chart = replies[0].document
    assert chart is not None and chart.filename.endswith(".png")
    image = await chart.data()
    assert image.startswith(PNG) and len(image) > 10_000
    words = markup.visible_text(replies[0].text) + "\n" + markup.visible_text(replies[1].text)
    assert "Mood: 4 entries, from 3 to 7, on average 5.0 out of 10." in words
    assert "\nGAD-7: 10 (moderate" in words  # on a line of its own
    assert all(markup.visible_length(r.text) <= 400 for r in replies)


async def test_the_console_writes_a_chart_to_a_file_and_prints_its_path(engine, tmp_path, monkeypatch):
    import io

    from bot.console import Console
    from flows.dialogue.core import Document, Reply

    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    await Console(engine, out).show([Reply("Your chart", document=Document("progress.png", make=lambda: PNG + b"rest"))])
    assert (tmp_path / "progress.png").read_bytes() == PNG + b"rest"
    assert f"({tmp_path / 'progress.png'})" in out.getvalue()


async def test_the_weekly_summary_is_offered_once_then_arrives_once_a_week(ana: Chat, clock: Clock, ticker, sent):
    from datetime import UTC, datetime, timedelta

    await set_up(ana, timezone="London", reminder="20:00")
    for score in (4, 5, 6):
        await log_mood(ana, score)
    await ana.send("/progress")
    assert "A weekly summary" in ana.labels()
    await ana.press("A weekly summary")
    assert "sun 20:00" in ana.text
    await ana.send("/progress")
    assert "A weekly summary" not in ana.labels()  # asked once
    sunday = datetime(2026, 11, 29, 20, 0, 30, tzinfo=UTC)  # the first Sunday after FIXED_NOW
    before = len(sent)
    clock.now = sunday.replace(hour=19)
    await ticker.drain()
    assert not any("weekly summary" in t for t in texts_after(sent, before))
    clock.now = sunday
    await ticker.drain()
    assert "Your weekly summary is ready whenever you'd like to look." in texts_after(sent, before)
    assert await ticker.drain() == 0  # once
    [weekly] = [r for _, replies in sent[before:] for r in replies if r.buttons and r.buttons[0][0].data == "g:week"]
    summary = await ana.press_data(weekly.buttons[0][0].data)
    words = markup.visible_text(summary[0].text)
    assert "Your week" in words and "Mood averaged" in words and "One idea" in words
    assert (await summary[0].document.data()).startswith(PNG)
    for day, expected in ((1, 0), (7, 1)):  # Monday: none; the next Sunday: the next one
        before = len(sent)
        clock.now = sunday + timedelta(days=day)
        await ticker.drain()
        shown = texts_after(sent, before)
        assert sum("weekly summary is ready" in t for t in shown) == expected


def texts_after(sent: list, before: int) -> list[str]:
    return [markup.visible_text(r.text) for _, replies in sent[before:] for r in replies]


async def test_the_weekly_summary_can_be_set_in_settings_and_stopped(ana: Chat):
    await set_up(ana, reminder="09:00")
    await ana.send("/settings")
    await ana.press("Weekly summary: off")
    await ana.press("Sundays at 09:00")
    assert "weekly summary on sun 09:00" in ana.text
    await ana.send("/settings")
    await ana.press("Weekly summary: sun 09:00")
    await ana.send("friday 6pm")
    assert "fri 18:00" in ana.text


async def test_ignored_weekly_summaries_back_off_like_every_nudge(ana: Chat, clock: Clock, ticker, sent):
    from datetime import UTC, datetime, timedelta

    await set_up(ana, timezone="London")
    await ana.send("/settings")
    await ana.press("Weekly summary: off")
    await ana.press("Sundays at 20:00")
    sunday = datetime(2026, 11, 29, 20, 0, 30, tzinfo=UTC)
    arrived = []
    for week in range(8):  # nobody opens them
        before = len(sent)
        clock.now = sunday + timedelta(weeks=week)
        await ticker.drain()
        arrived.append(sum("weekly summary is ready" in t for t in texts_after(sent, before)))
    assert arrived == [1, 1, 1, 0, 1, 0, 1, 0]  # ignored three times running: every other week
