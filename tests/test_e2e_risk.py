"""The safety second pass end to end: the one-tap question, risk read in the light of a
recent disclosure, an act already done, "Not safe" and "Not sure" with "Is there someone who
can be with you?", harm from others, a suicidal thought in /thought, and consent withdrawal
keeping the safety plan. The real bot over HTTP against the fake Bot API, as a person would.
"""

from __future__ import annotations

import pytest

from tests.conftest import CONSOLE_SET_UP, PROBABLE, PROBABLE_TOO, log_mood, run_console, set_up, started_thought_record
from tests.e2e import Person

SAFE_QUESTION = "Are you safe right now?"
ASK_QUESTION = "Are you having thoughts of ending your life or hurting yourself, or is someone hurting you?"
@pytest.fixture
def ana(bot) -> Person:
    return Person(bot, 4004, "Ana")


def labels(messages: list) -> list[str]:
    return [text for m in messages for row in m.buttons for text, _ in row]


# --- the one-tap question --------------------------------------------------------------


async def test_a_probable_signal_asks_and_yes_brings_the_full_response(ana: Person, probable):
    await set_up(ana)
    replies = await ana.send(PROBABLE)
    text = ana.transcript(replies)
    assert ASK_QUESTION in text and "/crisis" in text and SAFE_QUESTION not in text
    assert labels(replies) == ["Yes", "No, I'm OK"]
    replies = await ana.press("Yes")
    assert SAFE_QUESTION in ana.transcript(replies) and "116 123" in ana.transcript(replies)
    assert "too heavy" not in ana.transcript(replies)


async def test_no_goes_back_with_the_words_kept_and_is_not_asked_again_in_that_practice(ana: Person, probable):
    await set_up(ana)
    await ana.send("/thought")
    await ana.press("Quick version")
    replies = await ana.send(PROBABLE)  # as the situation
    assert ASK_QUESTION in ana.transcript(replies) and "Step 2 of 4" not in ana.transcript(replies)
    replies = await ana.press("No, I'm OK")
    text = ana.transcript(replies)
    assert "Thank you for letting me know" in text and "Step 2 of 4" in text  # the situation was kept
    replies = await ana.send(PROBABLE_TOO)  # as the thought: the model does not ask again here
    assert ASK_QUESTION not in ana.transcript(replies) and "thinking trap" in ana.transcript(replies)
    assert PROBABLE_TOO in ana.transcript(replies)  # quoted back: it was never flagged
    await ana.press("Not sure")
    replies = await ana.send("Heavy days pass, and I can ask for help")
    await ana.send("/journal")
    assert PROBABLE in ana.transcript()  # their words, kept as their answer


async def test_a_typed_yes_answers_the_question(ana: Person, probable):
    await set_up(ana)
    await ana.send(PROBABLE)
    replies = await ana.send("yes")
    assert SAFE_QUESTION in ana.transcript(replies)


# --- risk outlasts a message -------------------------------------------------------------


async def test_after_a_disclosure_a_time_a_means_or_goodbye_get_the_response(ana: Person):
    await set_up(ana)
    await ana.send("I want to kill myself")
    await ana.press("Safe for now")
    await ana.press("Stop for now")
    for follow_up in ("I'm going to do it tonight", "I have the pills here", "goodbye"):
        replies = await ana.send(follow_up)
        text = ana.transcript(replies)
        assert "116 123" in text and "999" in text, follow_up
        assert "whenever you'd like to practise" not in text, follow_up
    # The first follow-up named a time: more serious than before, so never shortened.
    assert SAFE_QUESTION in ana.transcript(ana.fake.messages(ana.user_id)[-6:])


async def test_the_same_words_without_a_disclosure_are_ordinary(ana: Person):
    await set_up(ana)
    replies = await ana.send("goodbye")
    assert "116 123" not in ana.transcript(replies)


async def test_a_long_story_with_a_buried_disclosure_is_screened_off_the_event_loop(ana: Person):
    await set_up(ana)
    story = (
        "This week was busy. Monday I took the kids to school and then did the big shop, "
        "Tuesday my mother came round and we argued about the garden again, Wednesday I had "
        "the dentist. I've been saving up my tablets in the bathroom cabinet and I'm going to "
        "take them all on Sunday when everyone is at the match. Thursday was quiet and on "
        "Friday we had fish and chips and watched a film together."
    )
    assert len(story) > 300
    replies = await ana.send(story)
    text = ana.transcript(replies)
    assert SAFE_QUESTION in text and text.index("999") < text.index("116 123")
    assert "tablets" not in text


# --- an act already done ------------------------------------------------------------------


async def test_an_overdose_already_taken_gets_the_emergency_number_first_without_conditions(ana: Person):
    await set_up(ana)
    replies = await ana.send("I took a load of pills an hour ago")
    text = replies[0].text
    assert text.index("999") < text.index("116 123")
    assert "even if you feel okay" in text and "If you're in danger" not in text
    replies = await ana.press("Safe for now")
    text = ana.transcript(replies)
    assert "I'm glad" not in text and "999" in text and "Even if you feel okay" in text


async def test_in_the_car_with_the_engine_running(ana: Person):
    await set_up(ana)
    replies = await ana.send("im in the car in the garage with the engine running")
    text = replies[0].text
    assert text.index("999") < text.index("116 123") and "even if you feel okay" in text


# --- Not safe, Not sure, and someone to be with them ----------------------------------------


async def test_not_safe_repeats_the_numbers_offers_no_carry_on_and_takes_no_one(ana: Person):
    await set_up(ana)
    await started_thought_record(ana, "Full record", "i want to die")
    replies = await ana.press("Not safe")
    text = ana.transcript(replies)
    assert "999" in replies[0].text and "116 123" in replies[0].text
    assert "someone who can be with you" in text and "5 things you can see" in text
    assert "Carry on" not in labels(replies) and {"There's no one", "My safety plan", "Stop for now"} <= set(labels(replies))
    replies = await ana.send("no one")
    text = ana.transcript(replies)
    assert "116 123" in text and "lonely" in text and "Carry on" not in labels(replies)
    assert SAFE_QUESTION not in text  # the answer to the question, not a new alarm


async def test_not_sure_is_gentler_and_a_name_brings_encouragement_with_the_numbers(ana: Person):
    await set_up(ana)
    await log_mood(ana, 3, note="honestly i dont want to be here anymore")
    replies = await ana.press("Not sure")
    text = ana.transcript(replies)
    assert "hard to tell" in text and "116 123" in text and "Carry on" in labels(replies)
    replies = await ana.send("my sister Jo")
    text = ana.transcript(replies)
    assert "call or message them now" in text and "116 123" in text and "Jo" not in text
    assert labels(replies) == ["My safety plan", "Carry on", "Stop for now"]


# --- harm from others --------------------------------------------------------------------


async def test_harm_from_others_puts_the_abuse_line_first_and_offers_it_again(ana: Person):
    await set_up(ana)
    replies = await ana.send("my husband hits me when he's drunk")
    text = replies[0].text
    assert text.index("0808 2000 247") < text.index("116 123")
    replies = await ana.press("Safe for now")
    assert "0808 2000 247" in ana.transcript(replies) and "I'm glad" not in ana.transcript(replies)


async def test_a_thought_record_about_being_hurt_offers_no_thinking_traps(ana: Person):
    await set_up(ana)
    await started_thought_record(ana, "Full record", "My partner pushed me into the wall and locked me in the bedroom")
    await ana.press("Safe for now")
    replies = await ana.press("Carry on")
    text = ana.transcript(replies)
    assert "isn't a thinking trap" in text and "0808 2000 247" in text
    assert not any("Personalisation" in label for label in labels(replies)) and "well done" not in text.lower()


# --- a suicidal thought in /thought --------------------------------------------------------


async def test_a_suicidal_automatic_thought_is_never_challenged(ana: Person):
    await set_up(ana)
    await started_thought_record(ana, "Quick version", "Sunday night, alone")
    replies = await ana.send("I just want to die")
    assert SAFE_QUESTION in ana.transcript(replies)
    await ana.press("Safe for now")
    replies = await ana.press("Carry on")
    text = ana.transcript(replies)
    assert "leave the thought record here" in text and "/safetyplan" in text
    assert "thinking trap" not in text.lower() and "evidence" not in text.lower() and "well done" not in text.lower()
    assert labels(replies) == []  # no second menu


# --- consent ------------------------------------------------------------------------------


async def test_withdrawing_consent_keeps_the_safety_plan(ana: Person):
    await set_up(ana)
    await ana.send("/safetyplan")
    for answer in ("not sleeping", "a walk", "the library", "my friend Jo", "my GP", "lock the cabinet", "my cat"):
        await ana.send(answer)
    await ana.send("/settings")
    await ana.press("Keep my entries: on")
    replies = await ana.press("No, don't keep them")
    assert "still here" in ana.transcript(replies) and "/delete" in ana.transcript(replies)
    await ana.send("/crisis")
    replies = await ana.press("My safety plan")  # still theirs, a tap from the crisis card
    assert "my friend Jo" in ana.transcript(replies) and "Emergency: 999" in ana.transcript(replies)


# --- the console does the same --------------------------------------------------------------


def test_the_console_answers_an_act_not_safe_and_no_one(tmp_path):
    result = run_console(
        tmp_path, [*CONSOLE_SET_UP, "I took a load of pills an hour ago", "2", "nobody"]
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "even if you feel okay" in out and out.index("999") < out.index("116 123")
    assert "someone who can be with you" in out and "[1] Yes, someone" in out
    assert "lonely" in out and out.count("116 123") >= 3


def test_the_console_asks_and_reads_context(tmp_path):
    result = run_console(tmp_path, [*CONSOLE_SET_UP, "i want to kill myself", "1", "3", "goodbye"])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("116 123") >= 2 and "whenever you'd like to practise" not in out.split("goodbye")[-1]


async def test_the_misses_the_review_found_are_answered(ana: Person):
    """Issue 14's examples, each answered in full (patterns or model)."""
    await set_up(ana)
    for words in (
        "im in the car in the garage with the engine running",
        "wrote my note last night. it's in the drawer by my bed",
        "OD'd on saturday, woke up in A&E",
        "I have the pills here and I'm taking them all tonight",
        "I have a plan and a date",
    ):
        replies = await ana.send(words)
        assert "999" in ana.transcript(replies), words
