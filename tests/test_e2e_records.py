"""Moods, the journal, /export and /delete through the real Application and the fake
Bot API: what a person sees in Telegram."""

from __future__ import annotations

import json

from tests.conftest import set_up
from tests.e2e import Person


async def test_a_mood_by_taps_then_the_journal_then_an_export_file(bot):
    ana = Person(bot, 501)
    await set_up(ana)
    await ana.send("/mood")
    await ana.press("7")
    await ana.press("anxious")
    await ana.press("Done")
    replies = await ana.send("long day <b>but</b> ok & fine")
    assert "Saved: mood 7 out of 10" in ana.transcript(replies)
    journal = await ana.send("/journal")
    assert "7/10 · anxious" in ana.transcript(journal)
    assert "long day <b>but</b> ok & fine" in ana.transcript(journal)  # escaped, shown as typed
    (export,) = await ana.send("/export")
    assert export.document["file_name"].endswith(".json")
    data = json.loads(export.document["data"])
    assert data["entries"]["mood"][0]["score"] == 7 and data["version"] == 1


async def test_delete_through_telegram_says_what_went_and_the_journal_is_empty(bot):
    ana = Person(bot, 502)
    await set_up(ana)
    await ana.send("/mood")
    await ana.press("3")
    await ana.press("Skip")
    await ana.press("Skip")
    confirm = await ana.send("/delete")
    assert "1 mood" in ana.transcript(confirm)
    done = await ana.press("Yes, delete everything")
    assert "Clear history" in ana.transcript(done)
    assert "Nothing recorded yet" in ana.transcript(await ana.send("/journal"))
