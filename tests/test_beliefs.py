"""/beliefs: core beliefs with the downward arrow, and its daily note, driven through the real
engine and storage as a person would (type, tap a button by its label), with a clock the
tests move for the nudge (no sleeping) and the real tick."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.scheduler import Ticker
from flows.lib import markup
from flows.practices.beliefs import worksheet
from flows.practices.beliefs.common import BeliefsContent
from flows.practices.learn import Lessons
from flows.practices.progress import PRACTICE_KINDS
from tests.conftest import CONSOLE_SET_UP, Chat, Clock, journal_pages, log_mood, run_console, set_up, started_thought_record, texts

THOUGHT = "I forgot my friend's birthday"
ANSWERS = ("I'm a bad friend", "I'm unlikeable", "I'll end up on my own", "I'm unlovable")
EVIDENCE = "She laughed at my joke last week; I remember most birthdays"
BALANCED = "I forget things sometimes, and people still like having me around"
WANT_TO_DIE = "I want to die"
EVENING = datetime(2026, 11, 24, 20, 0, 30, tzinfo=UTC)  # 20:00 in London, the note's default time


async def quick_thought(chat: Chat, thought: str, situation: str = "At home") -> None:
    """A quick thought record with this thought."""
    await started_thought_record(chat, "Quick version", situation)
    await chat.send(thought)
    if "Not sure" in chat.labels():
        await chat.press("Not sure")
        await chat.send("Maybe it's not the whole story")


async def down_to_the_belief(chat: Chat, answers: tuple[str, ...] = ANSWERS[:2]) -> None:
    """/beliefs from a new thought (they have no thought record), the answers typed, then
    [That's it] if fewer than four: at the question that names the belief."""
    await chat.send("/beliefs")
    await chat.send(THOUGHT)
    for answer in answers:
        await chat.send(answer)
    if len(answers) < 4:
        await chat.press("That's it")


async def to_the_end(chat: Chat, log: str = "Not now") -> None:
    """From naming the belief (their last answer) to the end."""
    await chat.press("Use my words above")
    await chat.press("80")
    await chat.send(EVIDENCE)
    await chat.send(BALANCED)
    await chat.press("30")
    if log:
        await chat.press(log)


async def entries(storage, user_id: int, kind: str = "belief") -> list:
    return [e for e in await storage.history(user_id) if e.kind == kind]


# --- the worksheet --------------------------------------------------------------------------


async def test_a_whole_worksheet_from_a_new_thought_each_answer_quoted_back(chat: Chat, storage):
    await set_up(chat)
    await chat.send("/beliefs")
    assert "Beliefs change over weeks" in chat.text and "take a breather" in chat.text
    assert "Step 1 of 6" in chat.text and chat.labels() == ["Take a breather"]  # no thought records: a new one
    await chat.send(THOUGHT)
    assert "Step 2 of 6 · question 1 of 4" in chat.text and THOUGHT in chat.text
    assert "If that were true, what would it mean about you?" in chat.text
    assert chat.labels() == ["That's it", "Take a breather"]
    await chat.send(ANSWERS[0])
    assert "question 2 of 4" in chat.text and f"You wrote:\n{ANSWERS[0]}" in chat.text  # quoted back
    await chat.send(ANSWERS[1])
    assert "question 3 of 4" in chat.text and ANSWERS[1] in chat.text and ANSWERS[0] not in chat.text
    await chat.press("That's it")
    assert "Step 3 of 6" in chat.text and ANSWERS[1] in chat.text and "of your own" in chat.text
    assert chat.labels() == ["Use my words above", "Feeling unlovable", "Feeling helpless", "Feeling worthless",
                             "Take a breather"]
    await chat.send("I'm not likeable")  # their own words
    assert "Step 4 of 6" in chat.text and "I'm not likeable" in chat.text and len(chat.labels()) == 12
    await chat.send("85")  # typed
    assert "filter" in chat.text and "what would you tell them?" in chat.text and "I'm not likeable" in chat.text
    assert "If a friend believed this about themselves" in chat.text
    await chat.send(EVIDENCE)
    assert "Step 5 of 6" in chat.text and "more balanced belief" in chat.text and "I'm not likeable" in chat.text
    await chat.send(BALANCED)
    assert "Step 5 of 6" in chat.text and BALANCED in chat.text and "over weeks" in chat.text
    await chat.press("40")
    assert "Step 6 of 6" in chat.text and chat.labels() == ["Yes, at 20:00", "Not now", "Take a breather"]
    await chat.press("Not now")
    summary = chat.text
    assert "Your belief work" in summary and f"The thought: {THOUGHT}" in summary
    assert "The belief beneath it: I'm not likeable (85/100)" in summary
    assert f"A more balanced belief: {BALANCED} (40/100)" in summary and EVIDENCE in summary
    assert "2 questions down" in summary and "over weeks" in summary and "Saved" in summary
    assert chat.labels() == ["A calm check-in", "Look at a thought"]  # next steps, as buttons
    await chat.press("A calm check-in")  # a next step starts its practice
    assert "Let's take a few minutes for you" in chat.text  # the check-in begins
    (entry,) = await entries(storage, chat.user_id)
    assert entry.data == {
        "source": "new", "thought_id": None, "thought": THOUGHT,
        "arrow1": ANSWERS[0], "arrow2": ANSWERS[1], "arrow3": None, "arrow4": None,
        "belief": "I'm not likeable", "belief_rating": 85, "evidence": EVIDENCE,
        "balanced": BALANCED, "balanced_rating": 40, "log": False, "hidden": [],
    }  # fmt: skip


async def test_four_questions_at_most_then_the_belief(chat: Chat, storage):
    await set_up(chat)
    await down_to_the_belief(chat, ANSWERS)
    assert "Step 3 of 6" in chat.text and f"Where you got to:\n{ANSWERS[3]}" in chat.text  # no fifth question
    await to_the_end(chat)
    (entry,) = await entries(storage, chat.user_id)
    assert [entry.data[f"arrow{n}"] for n in range(1, 5)] == list(ANSWERS)
    assert entry.data["belief"] == ANSWERS[3] and "4 questions down" in chat.text


async def test_thats_it_at_once_takes_the_thought_itself(chat: Chat, storage):
    await set_up(chat)
    await chat.send("/beliefs")
    await chat.send("I'm a failure")
    await chat.press("That's it")
    assert "Where you got to:\nI'm a failure" in chat.text
    await to_the_end(chat)
    (entry,) = await entries(storage, chat.user_id)
    assert entry.data["belief"] == "I'm a failure" and entry.data["arrow1"] is None
    assert "You took a thought, named the belief" in chat.text


async def test_it_starts_from_their_last_thought_record_or_one_they_pick(chat: Chat, storage):
    await set_up(chat)
    await quick_thought(chat, "She didn't reply, she must be annoyed with me")
    await quick_thought(chat, "I'll never get this job")
    await chat.send("/beliefs")
    assert "Your last thought record had:\nI'll never get this job" in chat.text
    assert chat.labels() == ["Start from this one", "Another one", "A new thought", "Take a breather"]
    await chat.press("Another one")
    assert "1. “I'll never get this job”" in chat.text and "2. “She didn't reply" in chat.text
    assert chat.labels() == ["1", "2", "A new thought", "Take a breather"]
    await chat.press("2")
    assert "question 1 of 4" in chat.text and "She didn't reply, she must be annoyed with me" in chat.text
    await chat.press("That's it")
    await to_the_end(chat)
    (entry,) = await entries(storage, chat.user_id)
    (picked,) = [e for e in await storage.history(chat.user_id) if e.kind == "thought" and "annoyed" in e.data["thought"]]
    assert entry.data["source"] == "thought" and entry.data["thought_id"] == picked.id
    assert entry.data["thought"] == picked.data["thought"]
    # The last one, with one tap; a number typed picks too.
    await chat.send("/beliefs")
    await chat.press("Start from this one")
    assert "Your thought:\nI'll never get this job" in chat.text
    await chat.send("/beliefs")
    await chat.press("Another one")
    await chat.send("2")
    assert "Your thought:\nShe didn't reply" in chat.text


async def test_a_new_thought_can_be_typed_where_a_record_is_offered(chat: Chat, storage):
    await set_up(chat)
    await quick_thought(chat, "I'll never get this job")
    await chat.send("/beliefs")
    await chat.send("My sister cancelled our plans")  # typed instead of tapping
    assert "question 1 of 4" in chat.text and "My sister cancelled our plans" in chat.text
    await chat.send("/beliefs")
    await chat.press("A new thought")
    assert "What's a thought that has been weighing on you?" in chat.text


async def test_a_flagged_thought_record_is_never_offered_nor_quoted(chat: Chat, storage):
    await set_up(chat)
    await quick_thought(chat, "I'll never get this job")
    await started_thought_record(chat, "Quick version", "Late at night")
    await chat.send(WANT_TO_DIE)  # ends that record for safety, the thought hidden
    await chat.press("Safe for now")
    await chat.press("Carry on")
    await chat.send("/thought")
    await chat.press("Quick version")
    await chat.send("At school")
    await chat.send("im 16 and everyone hates me")  # an age mention: hidden, the record goes on
    await chat.press("Not sure")
    await chat.send("Some people like me")
    thoughts = [e for e in await storage.history(chat.user_id) if e.kind == "thought"]
    assert len(thoughts) == 3 and sum("thought" in e.data["hidden"] for e in thoughts) == 2
    await chat.send("/beliefs")
    assert "Your last thought record had:\nI'll never get this job" in chat.text
    assert chat.labels() == ["Start from this one", "A new thought", "Take a breather"]  # only one to offer
    await chat.press("Start from this one")
    every = chat.text
    for words in ("want to die", "hates me"):
        assert words not in every
    # A forged tap on a hidden record's number is refused.
    hidden = next(e for e in thoughts if "hates me" in e.data["thought"])
    await chat.send("/beliefs")
    seq = chat.button_data("Start from this one").split(":")[0]
    await chat.incoming(kind="button", data=f"{seq}:other")  # a forged [Another one]
    assert chat.labels() == ["1", "A new thought", "Take a breather"]
    seq = chat.button_data("1").split(":")[0]
    await chat.incoming(kind="button", data=f"{seq}:t:{hidden.id}")
    assert "Tap the number of a thought" in chat.text and "hates me" not in chat.text


def test_only_usable_thought_records_are_offered(content):
    """The rule itself: a thought hidden, a record that ended for safety, an empty thought."""
    from flows.dialogue.core import Ctx, Entry, Settings, UserState

    state = UserState(1, 1, settings=Settings(consent=True))
    state.history = [
        Entry(5, "thought", "2026-11-24T10:00:00+00:00", {"thought": "flagged words", "hidden": ["thought"]}),
        Entry(4, "thought", "2026-11-24T09:00:00+00:00", {"thought": "ended", "hidden": ["situation"], "ended_for_safety": True}),
        Entry(3, "mood", "2026-11-24T08:00:00+00:00", {"score": 4}),
        Entry(2, "thought", "2026-11-24T07:00:00+00:00", {"thought": None}),
        Entry(1, "thought", "2026-11-24T06:00:00+00:00", {"thought": "fine", "hidden": ["situation"]}),
    ]
    ctx = Ctx(state, {}, content, datetime(2026, 11, 24, tzinfo=UTC))
    assert [e.id for e in worksheet.usable_thoughts(ctx)] == [1]


async def test_the_families_help_with_words_but_are_never_a_label(chat: Chat, storage, content):
    await set_up(chat)
    await down_to_the_belief(chat)
    await chat.incoming(kind="button", data=chat.button_data("Feeling worthless"), message_id=9)
    (question,) = chat.replies  # the same question, its words changed in place
    assert question.edit == "text" and "Step 3 of 6" in chat.text
    assert "“I'm not good enough”" in chat.text and "Your own words matter more" in chat.text
    assert "✓ Feeling worthless" in chat.labels()
    await chat.press("Feeling helpless")  # another replaces it
    assert "I can't cope" in chat.text and "not good enough" not in chat.text
    await chat.press("✓ Feeling helpless")  # tapped again: hidden
    assert "I can't cope" not in chat.text and "only a help, never a label" in chat.text
    await chat.send("I'm not enough")
    await chat.press("70")
    await chat.press("Skip")
    await chat.send(BALANCED)
    await chat.press("20")
    await chat.press("Not now")
    (entry,) = await entries(storage, chat.user_id)
    assert entry.data["belief"] == "I'm not enough" and entry.data["evidence"] is None
    assert "family" not in entry.data and "helpless" not in json.dumps(entry.data)
    assert len(content.of(BeliefsContent).family) == 3


async def test_bad_answers_are_re_asked_specifically(chat: Chat):
    await set_up(chat)
    await down_to_the_belief(chat)
    await chat.press("Use my words above")
    await chat.send("very much")
    assert "Tap a number, or type one from 0 to 100." in chat.text and "Take a breather" in chat.labels()
    await chat.send("120")
    assert "0 to 100" in chat.text
    await chat.send("90%")
    assert "filter" in chat.text
    await chat.send(" ")
    assert "Type what comes to mind" in chat.text
    await chat.press("Skip")
    await chat.send("x" * 301)  # a belief is a sentence
    assert "too long" in chat.text.lower() or "300" in chat.text
    await chat.send(BALANCED)
    await chat.press("30")
    await chat.send("sometime")
    assert "Tap Yes or Not now, or type a time like 21:30." in chat.text
    await chat.send("21:30")
    assert "daily note comes at 21:30" in chat.text


async def test_take_a_breather_then_back_to_the_same_question(chat: Chat, storage):
    await set_up(chat)
    await down_to_the_belief(chat, ANSWERS[:1])
    await chat.press("Use my words above")
    before = chat.text
    await chat.press("Take a breather")
    assert "let's pause" in chat.text and "over weeks" in chat.text
    assert chat.labels() == ["A short check-in", "Back to it", "Stop for today"]
    await chat.press("Back to it")
    assert chat.text == before  # the same question again
    await chat.press("60")
    await chat.press("Take a breather")
    await chat.press("Back to it")
    assert "filter" in chat.text
    await chat.send(EVIDENCE)
    await chat.send(BALANCED)
    await chat.press("30")
    await chat.press("Not now")
    (entry,) = await entries(storage, chat.user_id)
    assert entry.data["belief_rating"] == 60 and entry.data["evidence"] == EVIDENCE


async def test_a_breather_starts_a_check_in_or_ends_kindly_with_nothing_saved(chat: Chat, storage):
    await set_up(chat)
    await down_to_the_belief(chat, ANSWERS[:3])
    await chat.press("Take a breather")
    await chat.press("A short check-in")
    assert "nothing from it was kept" in chat.text and "how is your mood right now?" in chat.text  # /checkin began
    await chat.press("5")
    assert "Box breathing" in chat.labels()
    await chat.send("/beliefs")
    await chat.send(THOUGHT)
    await chat.press("Take a breather")
    await chat.press("Stop for today")
    assert "We'll stop here for today" in chat.text and "/crisis" in chat.text and chat.labels() == []
    await chat.send("/help")
    assert "what would it mean about you" not in chat.text  # nothing waiting
    assert await entries(storage, chat.user_id) == []


async def test_cancel_leaves_nothing_saved(chat: Chat, storage):
    await set_up(chat)
    await down_to_the_belief(chat)
    await chat.press("Use my words above")
    await chat.send("/cancel")
    assert "Nothing from this was kept" in chat.text and "/beliefs" in chat.text
    assert await entries(storage, chat.user_id) == []
    await chat.send("90")
    assert "filter" not in chat.text


async def test_crisis_and_help_in_the_middle_then_the_question_again(chat: Chat):
    await set_up(chat)
    await down_to_the_belief(chat, ANSWERS[:1])
    question = chat.replies[-1].text
    await chat.send("/crisis")
    assert "116 123" in chat.text and chat.replies[-1].text == question
    await chat.send("/help")
    assert "/thought" in chat.text and "More practices" in chat.labels() and chat.replies[-1].text == question


async def test_the_worksheet_resumes_after_a_restart(chat: Chat, engine_factory, storage):
    await set_up(chat)
    await down_to_the_belief(chat, ANSWERS[:2])
    chat.engine = engine_factory()  # a new process, the same database
    await chat.press("Use my words above")  # the keyboard on their screen still works
    assert "Step 4 of 6" in chat.text and ANSWERS[1] in chat.text
    await chat.press("50")
    await chat.send(EVIDENCE)
    await chat.send(BALANCED)
    await chat.press("30")
    await chat.press("Not now")
    (entry,) = await entries(storage, chat.user_id)
    assert entry.data["belief"] == ANSWERS[1] and entry.data["arrow1"] == ANSWERS[0]


async def test_without_consent_it_still_works_and_nothing_is_kept(chat: Chat, storage):
    await set_up(chat, consent="No, don't keep them")
    await down_to_the_belief(chat)
    await to_the_end(chat)
    assert "Your belief work" in chat.text and "isn't saved" in chat.text
    assert await storage.history(chat.user_id) == []


# --- risk -----------------------------------------------------------------------------------


async def test_a_disclosure_at_a_step_ends_it_after_the_safety_detour(chat: Chat, storage):
    await set_up(chat)
    await chat.send("/beliefs")
    await chat.send(THOUGHT)
    await chat.send(ANSWERS[0])
    await chat.send(WANT_TO_DIE)
    assert "Are you safe right now?" in chat.text and "116 123" in chat.text
    assert "want to die" not in chat.text and "what would it mean" not in chat.text
    await chat.press("Safe for now")
    assert chat.labels() == ["My safety plan", "Carry on", "Stop for now"]
    await chat.press("Carry on")
    assert "leave the belief work here" in chat.text and "/safetyplan" in chat.text and "/crisis" in chat.text
    assert "want to die" not in chat.text and "Step" not in chat.text and chat.labels() == []
    assert "courage" not in chat.text  # never praised
    (entry,) = await entries(storage, chat.user_id)
    assert entry.data["arrow2"] == WANT_TO_DIE and entry.data["hidden"] == ["arrow2"]  # theirs, kept hidden
    assert entry.data["ended_for_safety"] is True and entry.data["arrow1"] == ANSWERS[0]
    await chat.send("/journal")
    assert "want to die" not in chat.text and "Stopped early" in chat.text
    await chat.send("/beliefs")  # nothing waits; a worksheet that ended for safety is no starting point
    assert "What's a thought" in chat.text


async def test_being_hurt_by_someone_brings_the_abuse_line_and_ends_it(chat: Chat, storage):
    await set_up(chat)
    await chat.send("/beliefs")
    await chat.send("my boyfriend hits me when he drinks")
    assert "0808 2000 247" in chat.text
    await chat.press("Safe for now")
    await chat.press("Carry on")
    assert "says nothing about your worth" in chat.text and "0808 2000 247" in chat.text
    assert "hits me" not in chat.text and "what would it mean" not in chat.text
    (entry,) = await entries(storage, chat.user_id)
    assert entry.data["hidden"] == ["thought"] and entry.data["ended_for_safety"] is True


async def test_a_probable_signal_asks_first_and_no_goes_on(chat: Chat, probable):
    from tests.conftest import PROBABLE

    await set_up(chat)
    await chat.send("/beliefs")
    await chat.send(THOUGHT)
    await chat.send(PROBABLE)
    assert chat.labels() == ["Yes", "No, I'm OK"]
    await chat.press("No, I'm OK")
    assert "question 2 of 4" in chat.text  # their words count as the answer


async def test_an_age_mention_hides_the_words_and_goes_on(chat: Chat, storage):
    await set_up(chat)
    await down_to_the_belief(chat, ANSWERS[:1])
    await chat.send("im 16 and nobody likes me")
    assert "Childline" in chat.text and "Step 4 of 6" in chat.text and "nobody likes me" not in chat.text
    await chat.press("50")
    assert "Think of the belief you wrote." in chat.text and "nobody likes me" not in chat.text
    await chat.send(EVIDENCE)
    await chat.send(BALANCED)
    await chat.press("30")
    await chat.press("Not now")
    assert "The belief beneath it: (hidden)" in chat.text and "nobody likes me" not in chat.text
    (entry,) = await entries(storage, chat.user_id)
    assert entry.data["hidden"] == ["belief"] and entry.data["belief"] == "im 16 and nobody likes me"


async def test_every_message_fits_a_phone_with_the_longest_answers(chat: Chat):
    long = ("Everyone at the <b>party</b> could tell & nobody talked to me for the rest of it. " * 20)[:1000]
    said = []

    async def step(coro):
        said.extend(await coro)

    await set_up(chat)
    await quick_thought(chat, long)
    await quick_thought(chat, long[::-1][:1000])
    await step(chat.send("/beliefs"))
    await step(chat.press("Another one"))
    await step(chat.press("1"))
    for _ in range(4):
        await step(chat.send(long))
    for family in ("Feeling unlovable", "Feeling helpless", "Feeling worthless"):
        await step(chat.press(family))
    await step(chat.press("Use my words above"))
    await step(chat.press("80"))
    await step(chat.send(long))
    await step(chat.send(long[:300]))
    await step(chat.press("30"))
    await step(chat.press("Yes, at 20:00"))
    await step(chat.press_data("g:blog"))  # the daily note's question, quoting the new belief
    await step(chat.send(long[:300]))
    text = "\n".join(r.text for r in said)
    assert "Your belief work" in text and "One line is plenty" in text and "Noted" in text
    lengths = [markup.visible_length(r.text) for r in said]
    assert max(lengths) <= 400, [(n, markup.visible_text(r.text)[:60]) for n, r in zip(lengths, said) if n > 400]
    assert any("…" in r.text and "&lt;b&gt;" in r.text for r in said)  # cut, and escaped
    for _ in range(2):  # a journal page of the longest worksheets and notes: a page, under Telegram's limit
        await quick_thought(chat, long)
        await chat.send("/beliefs")
        await chat.press("Start from this one")
        for _ in range(4):
            await chat.send(long)
        await to_the_end(chat, log="")  # the daily note is on: not offered again
        await chat.press_data("g:blog")
        await chat.send(long[:300])
    pages = await journal_pages(chat, "/journal belief")
    assert "".join(pages).count("Core belief") == 3 and all(len(page) <= 400 for page in pages)
    assert all(len(page) <= 400 for page in await journal_pages(chat))  # each one phone screen


# --- the daily note -------------------------------------------------------------------------


async def notes(storage, user_id: int = 7) -> list:
    return await entries(storage, user_id, "belief_log")


async def worksheet_with_the_note(ana: Chat, balanced: str = BALANCED) -> None:
    await set_up(ana, timezone="London")
    await down_to_the_belief(ana)
    await ana.press("Use my words above")
    await ana.press("80")
    await ana.send(EVIDENCE)
    await ana.send(balanced)
    await ana.press("30")
    await ana.press("Yes, at 20:00")


async def test_the_daily_note_arrives_neutral_once_a_day_and_quotes_the_new_belief(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await worksheet_with_the_note(ana)
    assert "daily note comes at 20:00" in ana.text
    (row,) = [r for r in await storage.scheduled(7) if r["kind"] == "belief_prompt"]
    assert row["due_at"] == "2026-11-24T20:00:00+00:00"
    clock.now = EVENING - timedelta(minutes=1)
    assert await ticker.drain() == 0
    clock.now = EVENING
    assert await ticker.drain() == 1
    assert texts(sent) == ["Time for today's short note."]  # neutral: a locked screen may show it
    assert await ticker.drain() == 0  # once
    _, [nudge] = sent[-1]
    await ana.press_data(nudge.buttons[0][0].data)
    assert f"Your new belief:\n{BALANCED}" in ana.text and "One line is plenty" in ana.text
    await ana.send("My colleague asked me to lunch")
    assert "Noted" in ana.text and "over weeks" in ana.text
    (note,) = await notes(storage)
    assert note.data == {"note": "My colleague asked me to lunch", "belief": (await entries(storage, 7))[0].id, "hidden": []}
    # The next evening: one more; written already that day, none.
    clock.now = EVENING + timedelta(days=1)
    assert await ticker.drain() == 1
    await ana.press_data(sent[-1][1][0].buttons[0][0].data)
    await ana.send("A neighbour waved")
    assert "that's 2 notes so far" in ana.text
    await ana.send("/journal")
    assert "Daily note" in ana.text and "A neighbour waved" in ana.text
    await ana.press("Daily notes")  # the notes alone
    assert "Core belief" not in ana.text and "My colleague asked me to lunch" in ana.text


async def test_no_nudge_on_a_day_a_note_was_already_written(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await worksheet_with_the_note(ana)
    clock.now = EVENING
    await ticker.drain()
    await ana.press_data(sent[-1][1][0].buttons[0][0].data)
    await ana.send("Someone held the door")
    clock.now = EVENING + timedelta(days=1) - timedelta(hours=3)  # next day, 17:00: one written early
    await ana.press_data(sent[-1][1][0].buttons[0][0].data)  # the old nudge's button still works
    await ana.send("A friend texted back")
    before = len(sent)
    clock.now = EVENING + timedelta(days=1)
    await ticker.drain()
    assert len(sent) == before  # nothing on a day they already wrote one


async def test_the_nudge_in_the_middle_of_a_practice_keeps_the_practice(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await worksheet_with_the_note(ana)
    clock.now = EVENING
    await ticker.drain()
    await ana.send("/mood")
    await ana.press_data(sent[-1][1][0].buttons[0][0].data)
    assert "One line is plenty" in ana.text
    await ana.press_data(sent[-1][1][0].buttons[0][0].data)  # tapped twice: the question again, not twice
    await ana.press("Not today")
    assert "another chance tomorrow" in ana.text and "How is your mood" in ana.text  # back to /mood


async def test_an_ignored_note_backs_off_then_pauses_and_stop_turns_it_off(
    ana: Chat, ticker: Ticker, clock: Clock, sent
):
    await worksheet_with_the_note(ana)
    arrived = []
    for day in range(14):  # nobody answers
        clock.now = EVENING + timedelta(days=day)
        arrived.append(await ticker.drain())
    assert [day for day, n in enumerate(arrived) if n] == [0, 1, 2, 4, 6, 8, 10, 11]  # every other day, then a pause
    _, [paused] = sent[-1]
    assert "daily notes" in markup.visible_text(paused.text) and "pause" in paused.text
    await ana.press_data(paused.buttons[0][1].data)  # [Stop them]
    assert "no more daily notes" in ana.text
    for day in range(14, 18):
        clock.now = EVENING + timedelta(days=day)
        assert await ticker.drain() == 0
    await ana.send("/settings")
    assert "Daily belief note: off" in ana.labels()


async def test_the_daily_note_is_switched_in_settings(ana: Chat, storage):
    await set_up(ana, timezone="London")
    await ana.send("/settings")
    await ana.press("Daily belief note: off")
    assert "new belief you wrote in /beliefs" in ana.text
    await ana.press("21:00")
    assert "note at 21:00" in ana.text and "Daily belief note: 21:00" in ana.labels()
    (row,) = [r for r in await storage.scheduled(7) if r["kind"] == "belief_prompt"]
    assert row["due_at"] == "2026-11-24T21:00:00+00:00"
    await ana.press("Daily belief note: 21:00")
    await ana.send("none")
    assert "No daily note" in ana.text
    assert [r for r in await storage.scheduled(7) if r["kind"] == "belief_prompt"] == []
    await ana.press("Done")
    await down_to_the_belief(ana)
    await to_the_end(ana, log="")
    assert "Step 6 of 6" in ana.text  # offered again once it is off
    await ana.send("yes")  # typed
    assert "daily note comes at 20:00" in ana.text


async def test_with_the_note_on_the_worksheet_does_not_offer_it_again(ana: Chat):
    await worksheet_with_the_note(ana)
    await down_to_the_belief(ana)
    assert "Step 3 of 5" in ana.text
    await to_the_end(ana, log="")
    assert "Your belief work" in ana.text and "daily note comes at 20:00" in ana.text


async def test_a_flagged_note_is_kept_hidden_and_a_hidden_belief_is_never_quoted(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await worksheet_with_the_note(ana, balanced="im 15 and I'm OK as I am")  # an age mention: hidden
    clock.now = EVENING
    await ticker.drain()
    await ana.press_data(sent[-1][1][0].buttons[0][0].data)
    assert "im 15" not in ana.text and "the new belief you wrote" in ana.text
    await ana.send(WANT_TO_DIE)
    assert "Are you safe right now?" in ana.text and "want to die" not in ana.text
    (note,) = await notes(storage)
    assert note.data["hidden"] == ["note"] and note.data["ended_for_safety"] is True
    await ana.send("/journal")
    assert "want to die" not in ana.text and "im 15" not in ana.text and "(hidden)" in ana.text


async def test_without_consent_the_note_says_it_is_not_kept(ana: Chat, ticker: Ticker, clock: Clock, sent, storage):
    await set_up(ana, consent="No, don't keep them", timezone="London")
    await down_to_the_belief(ana)
    await to_the_end(ana, log="Yes, at 20:00")
    clock.now = EVENING
    assert await ticker.drain() == 1
    await ana.press_data(sent[-1][1][0].buttons[0][0].data)
    assert "the new belief you wrote" in ana.text  # nothing kept to quote
    await ana.send("I helped a stranger")
    assert "isn't saved" in ana.text and await storage.history(7) == []


# --- the journal, /export, /delete, /progress, /learn -----------------------------------------


async def test_journal_export_and_delete_know_both_kinds(ana: Chat, ticker: Ticker, clock: Clock, sent, storage):
    await worksheet_with_the_note(ana)
    clock.now = EVENING
    await ticker.drain()
    await ana.press_data(sent[-1][1][0].buttons[0][0].data)
    await ana.send("My colleague asked me to lunch")
    await ana.send("/journal")
    assert "Core belief" in ana.text and f"Balanced: “{BALANCED}” · 30%" in ana.text
    assert f"From the thought: “{THOUGHT}”" in ana.text and "Beliefs" in ana.labels()
    await ana.send("/export")
    document = json.loads(ana.replies[0].document.content)
    assert document["entries"]["belief"][0]["balanced"] == BALANCED
    assert document["entries"]["belief_log"][0]["note"] == "My colleague asked me to lunch"
    assert document["settings"]["belief_log"] == "20:00"
    assert any(r["kind"] == "belief_prompt" for r in document["reminders"])
    await ana.send("/delete")
    assert "1 belief worksheet" in ana.text and "1 daily note" in ana.text
    await ana.press("Yes, delete everything")
    assert await storage.history(7) == [] and await storage.scheduled(7) == []
    clock.now = EVENING + timedelta(days=1)
    assert await ticker.drain() == 0  # no nudge after /delete


async def test_progress_counts_them(ana: Chat, ticker: Ticker, clock: Clock, sent):
    assert {"belief", "belief_log"} <= set(PRACTICE_KINDS)
    await worksheet_with_the_note(ana)
    for score in (4, 5, 6):
        await log_mood(ana, score)
    await ana.send("/progress")
    assert "Core beliefs: 1 worksheet, 0 daily notes." in ana.text
    await ana.press_data("g:week")
    assert "1 belief worksheet" in ana.text


async def test_the_core_beliefs_lesson_tries_it_now(ana: Chat, content):
    (lesson,) = [item for item in content.of(Lessons).lesson if item.topic == "beliefs"]
    assert lesson.practice == "beliefs"
    await set_up(ana)
    await ana.send(f"/learn {lesson.id}")
    while "Next ›" in ana.labels():
        await ana.press("Next ›")
    await ana.press("Try it now")
    assert "Beliefs change over weeks" in ana.text and "What's a thought" in ana.text


def test_the_console_runs_it(tmp_path: Path):
    result = run_console(
        tmp_path,
        [*CONSOLE_SET_UP, "/beliefs", THOUGHT, ANSWERS[0], "That's it", "Use my words above", "70",
         "Skip", BALANCED, "30", "Not now", "/journal"],
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "question 1 of 4" in out and "[1] That's it" in out
    assert "The belief beneath it: I'm a bad friend (70/100)" in out and "Core belief" in out
