"""Moods, the journal, /export and /delete through the real Application and the fake
Bot API: what a person sees in Telegram."""

from __future__ import annotations

import asyncio
import json

from tests.conftest import log_mood, set_up
from tests.e2e import Person
from tests.pg import both_databases  # noqa: F401 (each test runs on SQLite and PostgreSQL)


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
    assert "7/10 · anxious\nlong day <b>but</b> ok & fine" in ana.transcript(journal)  # escaped, shown as typed
    (export,) = await ana.send("/export")
    assert export.document["file_name"].endswith(".json")
    data = json.loads(export.document["data"])
    assert data["entries"]["mood"][0]["score"] == 7 and data["version"] == 1


async def test_delete_through_telegram_says_what_went_and_the_journal_is_empty(bot):
    ana = Person(bot, 502)
    await set_up(ana)
    await log_mood(ana, 3)
    confirm = await ana.send("/delete")
    assert "1 mood" in ana.transcript(confirm)
    done = await ana.press("Yes, delete everything")
    assert "Clear history" in ana.transcript(done)
    assert "Nothing recorded yet" in ana.transcript(await ana.send("/journal"))


async def test_a_prompt_due_while_the_bot_was_down_arrives_at_start_and_one_tap_logs_it(
    fake, config, content, open_storage
):
    """The ticking job runs in the real Application: its first tick, at start-up, sends what
    fell due in the last hour, through the rate-limited path, with the scale as buttons."""
    from datetime import datetime, timedelta, timezone

    from flows.dialogue.core import Due, Settings, UserState
    from tests.e2e import WAIT, running_bot

    storage = await open_storage()  # the database the bot will open (config's)
    settings = Settings(consent=True, country="GB", timezone="Europe/London", reminder="20:00", onboarded=True,
                        prompt_for="20:00 Europe/London")
    state = UserState(601, 601, settings)
    ten_minutes_ago = datetime.now(timezone.utc) - timedelta(minutes=10)
    state.changes.schedule.append(Due("mood_prompt:2026-11-24", "mood_prompt", ten_minutes_ago.isoformat(timespec="seconds")))
    await storage.save(state)
    await storage.close()
    fake.add_private_chat(601)
    async with running_bot(fake, config, content) as running:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while not fake.messages(601) and loop.time() < deadline:
            await asyncio.sleep(0.02)  # waiting for the job queue's first tick, not for a clock
        (prompt,) = fake.messages(601)
        assert "daily check-in" in prompt.text
        assert [text for row in prompt.buttons for text, _ in row] == [str(n) for n in range(11)]
        update_id = fake.press(601, prompt.message_id, text="7")
        await running.wait_handled(update_id)
        assert "Saved: mood 7 out of 10" in fake.messages(601)[-1].text
