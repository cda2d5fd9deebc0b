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
    assert "GAD-7: 10 (moderate" in words
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
