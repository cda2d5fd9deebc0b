"""Issue 19, through the engine: a reply that listens when no practice is running, next steps
as buttons at the end of a practice, and never silent after a long paste."""

from __future__ import annotations

import sqlite3

import pytest

from flows.lib import markup
from tests.conftest import Chat, Clock, log_mood, set_up

# A realistic vent (462 characters) that the risk screen lets through.
VENT = (
    "I just needed to get this off my chest, it has been a long week. "
    "Work has been relentless for weeks, my manager keeps moving the deadlines, and I come home too tired to cook or call anyone back. "
    "My sister's wedding is next month and I haven't even started on the speech she asked me to give. "
    "I lie awake going over every email I sent, sure I got something wrong. "
    "It all piles up, the laundry, the speech, the emails, and I can't tell which bit to pick up first."
)
IDLE = "whenever you'd like to practise. /help shows what I can do, and /crisis"  # the old canned reply
VENT_BUTTONS = ["Write it down as a thought record", "Log how I feel", "A calm exercise", "Help lines"]


# --- a reply that listens ---------------------------------------------------------------


@pytest.mark.parametrize("said", ["hi", "Hola!", "hallo", "Salut", "good morning", "Hello there 👋"])
async def test_a_greeting_gets_a_greeting_and_three_ways_in(ana: Chat, said: str):
    await set_up(ana)
    await ana.send(said)
    assert ana.text.startswith("Hi, good to hear from you") and IDLE not in ana.text
    assert ana.labels() == ["Log my mood", "Look at a thought", "A calm exercise"]


async def test_each_greeting_button_starts_its_practice(ana: Chat):
    await set_up(ana)
    for label, asked in [("Log my mood", "How is your mood right now?"), ("Look at a thought", "Full record"),
                         ("A calm exercise", "Let's take a few minutes for you")]:  # fmt: skip
        await ana.send("hi")
        await ana.press(label)
        assert asked in ana.text
        await ana.send("/cancel")


async def test_someone_who_never_started_is_pointed_to_start(chat: Chat):
    await chat.send("hi")
    assert "/start tells you what I am" in chat.text


@pytest.mark.parametrize("said", ["help", "Help!", "I need help", "help me please", "hilfe", "ayuda"])
async def test_help_gets_help_lines_and_what_i_can_do(ana: Chat, said: str):
    await set_up(ana)
    await ana.send(said)
    assert ana.labels() == ["Help lines now", "What I can do"] and IDLE not in ana.text


async def test_help_lines_now_shows_their_countrys_lines_and_what_i_can_do_the_commands(ana: Chat):
    await set_up(ana)  # the United Kingdom
    await ana.send("help")
    await ana.press("Help lines now")
    assert "116 123" in ana.text and "999" in ana.text
    await ana.send("help")
    await ana.press("What I can do")
    assert "/mood" in ana.text and "/thought" in ana.text and "/crisis" in ana.text


async def test_a_vent_gets_one_validating_line_and_four_choices(ana: Chat):
    await set_up(ana)
    await ana.send(VENT)
    assert ana.text.startswith("Thank you for telling me. That sounds like a lot to carry.")
    assert ana.text.count("Thank you") == 1 and IDLE not in ana.text
    assert markup.visible_length(ana.replies[-1].text) < 400
    assert ana.labels() == VENT_BUTTONS


async def test_a_vent_written_down_becomes_the_situation_kept_encrypted(ana: Chat, storage, db_path):
    await set_up(ana)
    await ana.send(VENT)
    await ana.press("Write it down as a thought record")
    assert "Full record" in ana.text and "I'll use what you wrote" in ana.text
    await ana.press("Quick version")  # the situation is theirs already: on to the thought
    assert "Step 2 of 4" in ana.text and "Step 1 of 4" not in ana.text
    await ana.send("I'll let everyone down")
    await ana.press("Not sure")
    await ana.send("I've managed busy months before")
    [entry] = [e for e in await storage.history(7) if e.kind == "thought"]
    assert entry.data["situation"] == VENT
    with sqlite3.connect(db_path) as db:  # nothing of their words in the database as plain text
        raw = b"".join(bytes(str(row), "utf-8") for row in db.execute("SELECT * FROM entries"))
    assert b"relentless" not in raw and b"wedding" not in raw


async def test_more_words_after_a_vent_are_added_to_it(ana: Chat, storage):
    await set_up(ana)
    await ana.send(VENT)
    await ana.send("And I snapped at my flatmate this morning.")
    assert "I've added that to what you wrote" in ana.text and ana.labels() == VENT_BUTTONS
    await ana.press("Write it down as a thought record")
    await ana.press("Quick version")
    await ana.send("I'm a terrible person")
    await ana.press("Not sure")
    await ana.send("One bad morning doesn't make me terrible")
    [entry] = [e for e in await storage.history(7) if e.kind == "thought"]
    assert entry.data["situation"] == VENT + "\nAnd I snapped at my flatmate this morning."


async def test_a_vents_other_choices_lead_where_they_say(ana: Chat):
    await set_up(ana)
    for label, shown in [("Log how I feel", "How is your mood right now?"),
                         ("A calm exercise", "Let's take a few minutes for you"), ("Help lines", "116 123")]:  # fmt: skip
        await ana.send(VENT)
        await ana.press(label)
        assert shown in ana.text
        await ana.send("/cancel")
    assert "nothing to stop" in ana.text  # [Help lines] left nothing open


async def test_a_vent_left_with_cancel_is_not_kept(ana: Chat, storage):
    await set_up(ana)
    await ana.send(VENT)
    await ana.send("/cancel")
    assert "What you wrote isn't kept" in ana.text
    assert (await storage.load(7, 7)).flow is None and await storage.history(7) == []


async def test_a_risky_vent_gets_the_safety_response_not_the_listening_reply(ana: Chat):
    await set_up(ana)
    risky = VENT.replace("It all piles up", "Honestly I want to kill myself. It all piles up")
    await ana.send(risky)
    assert "116 123" in ana.text and "Thank you for telling me" not in ana.text
    assert "Write it down as a thought record" not in ana.labels() and "kill" not in ana.text


async def test_short_other_text_gets_a_gentle_reply_with_a_way_in(ana: Chat):
    await set_up(ana)
    for said in ["🙂", "ok", "not great"]:
        await ana.send(said)
        assert ana.text.startswith("I'm here.") and "/help" in ana.text and "/crisis" in ana.text
        assert ana.labels() == ["Log how I feel", "A calm exercise"]
    await ana.send("thanks!")
    assert ana.text.startswith("You're welcome")


async def test_inside_a_practice_words_are_still_its_answers(ana: Chat):
    await set_up(ana)
    await ana.send("/thought")
    await ana.press("Full record")
    await ana.send("hi")  # the situation, not a greeting
    assert "Step 2 of 7" in ana.text and "good to hear" not in ana.text


# --- next steps as buttons ---------------------------------------------------------------


async def full_record(ana: Chat, belief_after: str, trap: str = "Mind reading") -> None:
    await ana.send("/thought")
    await ana.press("Full record")
    await ana.send("Waiting for a reply from my sister")
    await ana.press("worried")
    await ana.press("Done")
    await ana.press("70")
    await ana.send("She's ignoring me, she must be angry with me")
    await ana.press("80")
    await ana.press(trap)
    await ana.press("Done")
    await ana.press("Skip")
    await ana.press("Skip")
    await ana.send("She's probably busy")
    await ana.press(belief_after)
    await ana.press("70")


async def test_a_thought_record_offers_the_lesson_on_the_trap_they_picked(ana: Chat):
    await set_up(ana)
    await full_record(ana, belief_after="40")
    assert ana.labels() == ["Lesson: Mind reading", "A calm check-in"]
    await ana.press("Lesson: Mind reading")
    assert "mind" in ana.text.lower() and ana.labels() == ["Next ›"]
    assert (await ana.engine.store.load(7, 7)).flow.data["lesson"] == "mind_reading"


async def test_well_done_only_when_belief_fell_otherwise_thanks(ana: Chat):
    await set_up(ana)
    await full_record(ana, belief_after="40")
    assert "Well done" in ana.text and "from 80 to 40" in ana.text
    await full_record(ana, belief_after="80")
    assert "Well done" not in ana.text and "Thank you for taking the time" in ana.text


async def test_the_saved_line_is_not_swallowed_after_loosen_with_practice(ana: Chat):
    await set_up(ana)
    await full_record(ana, belief_after="80")
    assert "thoughts often loosen with practice.\n\nSaved." in ana.text


async def check_in(ana: Chat, before: str, after: str) -> None:
    await ana.send("/checkin")
    await ana.press(before)
    await ana.press("Box breathing")
    await ana.press("Start")
    await ana.press("Stop")
    await ana.press(after)


async def test_a_check_in_that_ends_low_is_met_before_saved_with_next_steps(ana: Chat):
    await set_up(ana)
    await check_in(ana, "4", "2")
    assert ana.text.index("That sounds like a hard time") < ana.text.index("Saved")
    assert ana.labels() == ["Look at a thought", "Help lines"]
    await ana.press("Help lines")
    assert "116 123" in ana.text


async def test_a_check_in_that_lifted_the_mood_asks_what_helped_and_keeps_it(ana: Chat):
    await set_up(ana)
    await check_in(ana, "4", "7")
    assert ana.labels() == ["What helped?", "Plan something small"]
    await ana.press("What helped?")
    assert "What helped?" in ana.text and ana.labels() == ["Skip"]
    await ana.send("Slowing my breathing down")
    assert "Noted: “Slowing my breathing down”" in ana.text
    await ana.send("/journal")
    assert "What helped: Slowing my breathing down" in ana.text


@pytest.mark.parametrize(
    "after, said, offered",
    [("5", "Thank you for making time for this: you stayed with", ["Look at a thought", "Plan something small"]),
     ("7", "Well done: you stayed with", ["What helped?", "Plan something small"])],
)  # fmt: skip
async def test_a_check_in_says_well_done_only_when_the_mood_rose(ana: Chat, after: str, said: str, offered: list):
    await set_up(ana)
    await ana.send("/checkin")
    await ana.press("5")
    await ana.press("Box breathing")
    await ana.press("Start")
    for _ in range(16):  # four rounds of four phases
        await ana.press("Next")
    await ana.press(after)
    assert said in ana.text and ana.text.count("Well done") == (after == "7")
    assert ana.labels() == offered


async def test_a_good_mood_asks_what_helped(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/mood")
    await ana.press("8")
    await ana.press("Skip")
    assert "What helped?" in ana.text
    await ana.send("a walk in the sun")
    assert ana.labels() == ["Plan something small"]  # what helped was asked already
    [entry] = [e for e in await storage.history(7) if e.kind == "mood"]
    assert entry.data["note"] == "a walk in the sun"


async def test_a_good_mood_from_the_daily_prompt_offers_what_helped(ana: Chat, storage):
    await set_up(ana)
    await ana.press_data("g:mp:8")
    assert ana.labels() == ["What helped?", "Plan something small"]
    await ana.press("What helped?")
    await ana.send("seeing a friend")
    [entry] = [e for e in await storage.history(7) if e.kind == "mood"]
    assert entry.data["helped"] == "seeing a friend"


async def test_without_kept_entries_there_is_nothing_to_add_what_helped_to(ana: Chat):
    await set_up(ana, consent="No, don't keep them")
    await ana.press_data("g:mp:8")
    assert ana.labels() == ["Plan something small"]


async def test_a_middling_mood_offers_two_next_steps(ana: Chat):
    await set_up(ana)
    await log_mood(ana, 5)
    assert "Saved: mood 5" in ana.text and ana.labels() == ["A calm check-in", "Plan something small"]
    await ana.press("Plan something small")
    assert "What kind of thing would you like to plan?" in ana.text


async def test_what_helped_flagged_words_are_kept_hidden(ana: Chat, storage):
    await set_up(ana)
    await ana.press_data("g:mp:8")
    await ana.press("What helped?")
    await ana.send("honestly thinking i could just kill myself")
    [entry] = [e for e in await storage.history(7) if e.kind == "mood"]
    assert "helped" in entry.data["hidden"]
    await ana.send("/journal")
    assert "What helped: (hidden)" in ana.text and "kill" not in ana.text


# --- never silent after a long paste -------------------------------------------------------

PASTE = "x" * 4096


async def test_a_command_ends_a_long_pastes_window_and_what_it_dropped_is_said_once(ana: Chat, clock: Clock):
    await set_up(ana)
    await ana.send(PASTE)
    assert "longer than I can take" in ana.text
    assert await ana.send("y" * 900) == []  # the paste's own rest, at once: answered already
    clock.move(seconds=4)
    assert await ana.send("hi") == []  # theirs, in the window: not read now ...
    await ana.send("/help")
    assert ana.text.startswith("I missed a message or two there")  # ... but said at once
    assert "/mood" in ana.text
    await ana.send("hi")  # the window is over: read at once
    assert "good to hear from you" in ana.text and "missed" not in ana.text


async def test_a_button_ends_the_window_too(ana: Chat, clock: Clock):
    await set_up(ana)
    await ana.send("hello")
    log_my_mood = ana.button_data("Log my mood")
    await ana.send(PASTE)
    clock.move(seconds=4)
    assert await ana.send("are you there?") == []
    await ana.press_data(log_my_mood)  # the greeting's button, on the message above
    assert "I missed a message or two" in ana.text and "How is your mood right now?" in ana.text
    await ana.press("6")
    assert "missed" not in ana.text


async def test_nothing_dropped_nothing_said(ana: Chat, clock: Clock):
    await set_up(ana)
    await ana.send(PASTE)
    await ana.send("/help")
    assert "missed" not in ana.text


async def test_when_the_window_times_out_what_it_dropped_is_said_by_itself_once(ana: Chat, clock: Clock):
    await set_up(ana)
    replies = await ana.send(PASTE)
    timer = replies[0].after
    assert timer is not None and timer.seconds == 10
    clock.move(seconds=5)
    assert await ana.send("hello?") == []
    clock.move(seconds=5)
    await ana.incoming(kind="timer", data=timer.data)
    assert ana.text.startswith("I missed a message or two there")
    assert await ana.incoming(kind="timer", data=timer.data) == []  # once
    await ana.send("hi")
    assert "missed" not in ana.text and "good to hear" in ana.text


async def test_a_text_after_the_window_brings_the_note_then_its_answer(ana: Chat, clock: Clock):
    await set_up(ana)
    await ana.send(PASTE)
    clock.move(seconds=5)
    await ana.send("hello?")
    clock.move(seconds=6)
    await ana.send("hi")
    assert ana.text.index("I missed a message") < ana.text.index("good to hear")


async def test_a_second_part_of_a_split_paste_is_not_refused_twice(ana: Chat):
    await set_up(ana)
    await ana.send(PASTE)
    assert await ana.send(PASTE) == []
    assert await ana.send("z" * 300) == []
    await ana.send("/help")
    assert "missed" not in ana.text


# --- a vent the model is unsure about ------------------------------------------------------


@pytest.fixture
def vent_probable(content, monkeypatch):
    """The model finds VENT probable (between "ask" and "respond"), whatever the model of the day."""
    from flows.lib.risk_model import Scores

    model = content.risk_screen.model
    real = model.score

    def score(text: str) -> Scores:
        if text == VENT:
            kinds = {k: 0.1 for k in ("suicidal", "self_harm", "harm_from_others", "harm_to_others", "plan", "act")}
            return Scores((model.ask_at + model.respond_at) / 2, {**kinds, "suicidal": 0.8})
        return real(text)

    monkeypatch.setattr(model, "score", score)


async def test_a_vent_the_screen_asks_about_gets_its_reply_after_no_im_ok(ana: Chat, vent_probable):
    await set_up(ana)
    await ana.send(VENT)
    assert ana.labels() == ["Yes", "No, I'm OK"] and "Thank you for telling me" not in ana.text
    await ana.press("No, I'm OK")
    assert "Thank you for telling me. That sounds like a lot to carry." in ana.text
    assert ana.labels() == VENT_BUTTONS


async def test_a_vent_the_screen_asks_about_gets_the_response_after_yes(ana: Chat, vent_probable):
    await set_up(ana)
    await ana.send(VENT)
    await ana.press("Yes")
    assert "116 123" in ana.text and "Thank you for telling me" not in ana.text
