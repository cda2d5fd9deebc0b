"""Moods, the daily mood prompt, the journal, /export and /delete, driven through the
real engine and storage, with a clock the tests move (no sleeping)."""

from __future__ import annotations

import json
from datetime import datetime, timezone


from bot.scheduler import Ticker
from flows.dialogue.core import Entry
from flows.lib import markup
from tests.conftest import Chat, Clock, log_mood, set_up, texts

UTC = timezone.utc


async def with_daily_prompt(ana: Chat, at: str = "20:00", zone: str = "Europe/London") -> None:
    await set_up(ana)
    await ana.send(f"/timezone {zone}")
    await ana.send(f"/reminder {at}")


# --- /mood ---------------------------------------------------------------------------

async def test_mood_by_taps_with_words_and_a_note_is_saved_and_shown(ana: Chat):
    await set_up(ana)
    await ana.send("/mood")
    assert "0 = the worst" in ana.text and "10 = the best" in ana.text
    assert [str(n) for n in range(11)] == ana.labels()
    await ana.press("6")
    await ana.press("calm") if "calm" in ana.labels() else await ana.press("anxious")
    assert "✓" in " ".join(ana.labels())
    await ana.press("Done")
    await ana.send("after the walk")
    assert "Saved: mood 6 out of 10" in ana.text
    await ana.send("/journal")
    assert "6/10" in ana.text and "after the walk" in ana.text


async def test_a_typed_mood_out_of_range_gets_a_reprompt_naming_the_range(ana: Chat):
    await set_up(ana)
    await ana.send("/mood")
    await ana.send("eleven")
    assert "from 0 to 10" in ana.text
    await ana.send("12")
    assert "from 0 to 10" in ana.text
    await ana.send("3")
    assert "Any words" in ana.text


async def test_a_low_mood_is_met_first_then_offers_a_practice_as_buttons(ana: Chat):
    await set_up(ana)
    await log_mood(ana, 2)
    assert ana.text.index("That sounds like a hard time") < ana.text.index("Saved")
    assert ana.labels() == ["A calm check-in", "Look at a thought"]
    await ana.press("A calm check-in")
    assert "how is your mood right now" in ana.text


async def test_very_low_moods_on_most_days_of_two_weeks_suggest_a_doctor(ana: Chat, clock: Clock):
    await set_up(ana)
    for day in range(9):
        await log_mood(ana, 1)
        if day < 7:
            assert "doctor" not in ana.text
        clock.move(days=1)
    assert "doctor" in ana.text


async def test_without_consent_a_mood_is_noted_but_not_kept(ana: Chat, storage):
    await set_up(ana, consent="No, don't keep them")
    await log_mood(ana, 5)
    assert "isn't saved" in ana.text
    assert await storage.history(7) == []


async def test_cancel_leaves_no_half_mood(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/mood")
    await ana.press("5")
    await ana.send("/cancel")
    assert await storage.history(7) == []


# --- the daily mood prompt ------------------------------------------------------------

async def test_the_daily_prompt_arrives_once_at_their_local_time(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await with_daily_prompt(ana, "20:00", "America/New_York")  # 20:00 in New York is 01:00 UTC
    clock.now = datetime(2026, 11, 25, 0, 59, tzinfo=UTC)
    assert await ticker.drain() == 0
    clock.now = datetime(2026, 11, 25, 1, 0, 10, tzinfo=UTC)
    assert await ticker.drain() == 1
    assert "daily check-in" in texts(sent)[0]
    assert await ticker.drain() == 0  # never twice
    clock.move(days=1)
    assert await ticker.drain() == 1  # and the next day again


async def test_one_tap_on_the_prompt_logs_the_mood(ana: Chat, ticker: Ticker, clock: Clock, sent, storage):
    await with_daily_prompt(ana)
    clock.now = datetime(2026, 11, 24, 20, 0, 5, tzinfo=UTC)
    await ticker.drain()
    prompt = sent[0][1][0]
    seven = next(b for row in prompt.buttons for b in row if b.label == "7")
    await ana.incoming(kind="button", data=seven.data)
    assert "Saved: mood 7" in ana.text
    assert [e.data["score"] for e in await storage.history(7)] == [7]


async def test_a_tap_on_the_prompt_in_the_middle_of_a_practice_keeps_the_practice(ana, ticker, clock, sent):
    await with_daily_prompt(ana)
    clock.now = datetime(2026, 11, 24, 20, 0, 5, tzinfo=UTC)
    await ticker.drain()
    await ana.send("/mood")
    await ana.press("4")  # now at the emotion words
    seven = next(b for row in sent[0][1][0].buttons for b in row if b.label == "7")
    await ana.incoming(kind="button", data=seven.data)
    assert "Saved: mood 7" in ana.text and "Any words" in ana.text  # logged, and the question again


async def test_no_prompt_if_a_mood_was_logged_that_local_day(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await with_daily_prompt(ana)
    await log_mood(ana, 5)
    clock.now = datetime(2026, 11, 24, 20, 0, 5, tzinfo=UTC)
    await ticker.drain()
    assert sent == []
    clock.move(days=1)
    await ticker.drain()
    assert len(sent) == 1


async def test_reminder_off_stops_it_and_a_new_time_moves_it_at_once(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await with_daily_prompt(ana, "20:00")
    await ana.send("/reminder 18:30")
    clock.now = datetime(2026, 11, 24, 18, 30, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    clock.now = datetime(2026, 11, 24, 20, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 0  # not again at the old time
    await ana.send("/reminder off")
    clock.move(days=3)
    assert await ticker.drain() == 0


async def test_after_downtime_a_prompt_under_an_hour_late_is_sent_and_an_older_one_skipped(ana, ticker, clock, sent):
    await with_daily_prompt(ana)
    clock.now = datetime(2026, 11, 24, 20, 40, tzinfo=UTC)  # back up 40 minutes late
    assert await ticker.drain() == 1
    clock.now = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # down until two hours after the next one
    assert await ticker.drain() == 0
    clock.now = datetime(2026, 11, 26, 20, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1  # the day after is scheduled all the same


async def test_someone_who_blocked_the_bot_gets_no_prompt(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await with_daily_prompt(ana)
    await ana.incoming(kind="blocked")
    clock.now = datetime(2026, 11, 24, 20, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 0


# --- /journal ------------------------------------------------------------------------

async def log_moods(ana: Chat, clock: Clock, scores: list[int], note: str | None = None) -> None:
    for score in scores:
        await log_mood(ana, score, note)
        clock.move(hours=1)


async def test_the_journal_pages_newest_first(ana: Chat, clock: Clock):
    await set_up(ana)
    await log_moods(ana, clock, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 5])
    await ana.send("/journal")
    first = ana.text
    assert "(1–3 of 12)" in first and first.index("5/10") < first.index("0/10") < first.index("10/10")
    await ana.press("Older ›")
    assert "(4–6 of 12)" in ana.text and "7/10" in ana.text
    await ana.press("‹ Newer")
    assert "(1–3 of 12)" in ana.text


async def test_the_journal_filters_by_kind_and_says_when_empty(ana: Chat, clock: Clock):
    await set_up(ana)
    await ana.send("/journal")
    assert "Nothing recorded yet" in ana.text
    await log_moods(ana, clock, [4])
    await ana.send("/journal")
    await ana.press("Thoughts")
    assert "No thought records yet" in ana.text
    await ana.press("Moods")
    assert "4/10" in ana.text


async def test_a_journal_page_of_long_notes_stays_under_telegrams_limit(ana: Chat, clock: Clock):
    await set_up(ana)
    await log_moods(ana, clock, [5] * 6, note="a long note " * 80)
    await ana.send("/journal")
    assert all(markup.visible_length(r.text) <= 4096 for r in ana.replies)


async def test_a_forged_journal_button_is_refused_politely(ana: Chat):
    await set_up(ana)
    await ana.incoming(kind="button", data="g:jv:999")
    assert "isn't there" in ana.text
    await ana.incoming(kind="button", data="g:j:nonsense:x")
    assert ana.replies and "Traceback" not in ana.text


# --- /export and /delete ---------------------------------------------------------------

async def test_export_is_one_readable_json_document_with_everything(ana: Chat, clock: Clock):
    await with_daily_prompt(ana)
    await log_moods(ana, clock, [3], note="tired")
    await ana.send("/export")
    (reply,) = ana.replies
    document = json.loads(reply.document.content)
    assert document["version"] == 1 and document["consent"] is True
    assert document["settings"]["country"] == "GB" and document["settings"]["reminder"] == "20:00"
    assert document["entries"]["mood"][0]["score"] == 3 and document["entries"]["mood"][0]["note"] == "tired"
    assert document["reminders"][0]["kind"] == "mood_prompt"
    assert set(document) >= {"safety_plan", "risk_responses", "exported_at"}


async def test_delete_asks_then_erases_everything_and_nothing_arrives_after(ana, clock, ticker, sent, storage):
    await with_daily_prompt(ana)
    await log_moods(ana, clock, [3, 4])
    await ana.send("/delete")
    assert "2 moods" in ana.text and "can't be undone" in ana.text
    await ana.press("Yes, delete everything")
    assert "Clear history" in ana.text and "2 moods" in ana.text
    assert await storage.history(7) == [] and await storage.scheduled(7) == []
    assert await storage.counts(7) == {"risk_events": 0, "scheduled": 0}
    clock.now = datetime(2026, 11, 24, 20, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 0
    await ana.send("/journal")
    assert "Nothing recorded yet" in ana.text
    await ana.send("/export")
    assert json.loads(ana.replies[0].document.content)["entries"]["mood"] == []


async def test_delete_no_keeps_everything(ana: Chat, clock: Clock, storage):
    await set_up(ana)
    await log_moods(ana, clock, [3])
    await ana.send("/delete")
    await ana.press("No, keep it")
    assert "Nothing was deleted" in ana.text
    assert len(await storage.history(7)) == 1


async def test_withdrawing_consent_offers_delete_and_stops_new_storage(ana: Chat, clock: Clock, storage):
    await set_up(ana)
    await log_moods(ana, clock, [6])
    await ana.send("/settings")
    await ana.press("Keep my entries: on")
    await ana.press("No, don't keep them")
    assert "/delete" in ana.text
    await ana.press("Done") if "Done" in ana.labels() else None
    await log_moods(ana, clock, [2])
    assert [e.data["score"] for e in await storage.history(7)] == [6]


async def test_journal_entries_stand_apart_and_a_missing_note_is_not_called_hidden(ana: Chat, clock: Clock):
    await set_up(ana)
    await log_moods(ana, clock, [4, 6])
    await ana.send("/journal")
    assert "hidden" not in ana.text
    lines = ana.text.splitlines()
    assert lines.count("") >= 2  # a blank line before each entry
    assert any(line.startswith("6/10") for line in lines) and any(line.startswith("4/10") for line in lines)


async def test_a_flagged_note_is_kept_but_never_shown_back_in_the_journal(ana: Chat):
    await set_up(ana)
    await log_mood(ana, 2, note="i want to kill myself tonight")  # the last step: the mood is saved with it
    assert "Are you safe right now?" in ana.text
    await ana.send("/journal")
    assert "kill myself" not in ana.text and "(note hidden)" in ana.text
    assert "Show hidden words: Mood, Tue 24 Nov, 12:00" in ana.labels()  # its kind and time, not an id
    await ana.press("Show hidden words: Mood, Tue 24 Nov, 12:00")
    assert "i want to kill myself tonight" in ana.text  # theirs, when they ask


async def test_a_practice_ending_on_a_flagged_answer_says_its_closing_words_after_carry_on(ana: Chat):
    await set_up(ana)
    await log_mood(ana, 2, note="i want to kill myself")
    assert "Saved: mood" not in ana.text  # the response comes first, alone
    await ana.press("Safe for now")
    await ana.press("Carry on")
    assert "Saved: mood 2 out of 10" in ana.text and "kill myself" not in ana.text
    await ana.send("/help")
    await ana.send("/mood")  # nothing left waiting for the next time
    assert "Saved" not in ana.text


async def test_hidden_words_of_every_kind_show_as_typed_one_message_a_field(ana: Chat, storage):
    """Their own flagged words, when they tap to see them: lists a line each, never data."""
    await set_up(ana)
    state = await storage.load(7, 7)
    state.changes.saves = [Entry(1, "solve", "2026-11-24T12:00:00+00:00", {
        "problem": "the rent", "ideas": [{"text": "ask Jo", "helpful": 3}, {"text": "sell the bike"}],
        "steps": [], "hidden": ["problem", "ideas"]})]
    await storage.save(state)
    await ana.send("/journal")
    await ana.press("Show hidden words: Problem solving, Tue 24 Nov, 12:00")
    first, second = (markup.visible_text(r.text) for r in ana.replies)
    assert first.startswith("Your hidden words") and first.endswith("\nthe rent") and second == "ask Jo\nsell the bike"


async def test_the_journal_filters_stay_readable_on_a_phone(chat: Chat):
    """One filter per kind of entry, at most three to a row (ten in two rows were too narrow)."""
    await set_up(chat)
    await chat.send("/journal")
    rows = chat.replies[-1].buttons
    assert rows and all(len(row) <= 3 for row in rows)
    labels = [button.label for row in rows for button in row]
    records = chat.engine.content.records
    assert len([label for label in labels if label.lstrip("✓ ") in {chat.engine.content.button(f"journal_{k}") for k in records}]) == len(records)


async def test_hidden_words_longer_than_telegram_takes_come_in_parts(ana: Chat, storage):
    await set_up(ana)
    state = await storage.load(7, 7)
    steps = [{"text": f"{n} " + "s" * 197, "when": "2026-11-25T10:00:00+00:00"} for n in range(40)]  # forty looks back
    state.changes.saves = [Entry(1, "solve", "2026-11-24T12:00:00+00:00", {"problem": "the rent", "steps": steps, "hidden": ["steps"]})]
    await storage.save(state)
    await ana.send("/journal")
    await ana.press("Show hidden words: Problem solving, Tue 24 Nov, 12:00")
    assert len(ana.replies) == 3 and all(markup.visible_length(r.text) <= 4096 for r in ana.replies)
    assert "".join(r.text for r in ana.replies).count("s" * 197) == 40  # every word, in order
