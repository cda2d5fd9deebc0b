"""Edit in place, in the engine: a tap (or a timer) that keeps someone on a multi-select or
a paced exercise changes the message it came from; everything else is a new message."""

from __future__ import annotations

import pytest

from flows.dialogue.core import Reply, Timer
from tests.conftest import Chat, set_up, start_guided_breathing, started_thought_record

SHOWN = 77  # the id of the message holding the buttons, as an adapter would give it


async def tap(chat: Chat, label: str, message_id: int | None = SHOWN) -> Reply:
    """Tap a button on the message `message_id`; the one reply it brings."""
    (reply,) = await chat.incoming(kind="button", data=chat.button_data(label), message_id=message_id)
    return reply


async def test_emotion_toggles_rewrite_the_question_they_came_from(chat: Chat):
    await set_up(chat)
    await started_thought_record(chat)  # at the emotions
    reply = await tap(chat, "worried")
    assert reply.edit == "text" and "Chosen: worried" in reply.text and "✓ worried" in chat.labels()
    reply = await tap(chat, "sad")
    assert reply.edit == "text" and "Chosen: worried, sad" in reply.text
    reply = await tap(chat, "✓ worried")  # changed their mind
    assert reply.edit == "text" and "Chosen: sad." in reply.text and "worried" in chat.labels()
    await tap(chat, "Done")
    assert chat.replies[-1].edit is None and "How strong" in chat.text  # the next question: a new message


async def test_without_a_message_to_change_nothing_is_an_edit(chat: Chat):
    await set_up(chat)
    await started_thought_record(chat)  # at the emotions
    assert (await tap(chat, "worried", message_id=None)).edit is None
    await chat.send("tired, lonely")  # typed words move on, below what they typed
    assert all(r.edit is None for r in chat.replies)


async def test_trap_toggles_change_only_the_buttons_when_the_words_stay(chat: Chat):
    await set_up(chat)
    await started_thought_record(chat)  # at the emotions
    await chat.press("Skip")
    await chat.send("She's ignoring me, she must be angry with me")
    await chat.press("80")
    shown = [label for label in chat.labels()[::2] if label not in ("More traps", "Not sure", "Done")]
    assert shown[0] == "Mind reading"  # the likeliest for these words
    first = await tap(chat, "Mind reading")
    assert first.edit == "text"  # "Not sure is fine too" goes
    second = await tap(chat, shown[1])
    assert second.edit == "buttons" and second.text == first.text  # the words stay whole for a fallback
    assert {"✓ Mind reading", f"✓ {shown[1]}"} <= set(chat.labels())
    row = next(row for r in chat.replies for row in r.buttons if row[0].label == "✓ Mind reading")
    (explained,) = await chat.incoming(kind="button", data=row[1].data, message_id=SHOWN)  # its "What's this?"
    assert explained.edit == "text" and "<b>Mind reading</b>" in explained.text
    assert (await tap(chat, "More traps")).edit == "text"
    await tap(chat, "Done")
    assert chat.replies[-1].edit is None and "Step 4 of 7" in chat.text


async def test_a_tap_on_a_step_that_is_not_in_place_asks_below(chat: Chat):
    """A safety plan's Skip stays on the same step (the next section): a new question."""
    await set_up(chat)
    await chat.send("/safetyplan")
    await chat.send("not sleeping, staying in bed")
    await chat.send("walk the dog")
    reply = await tap(chat, "Skip")
    assert reply.edit is None and "Section 4 of 7" in reply.text


async def test_a_tap_that_cannot_be_read_is_answered_below(chat: Chat):
    await set_up(chat)
    await started_thought_record(chat)  # at the emotions
    seq, _, _ = chat.button_data("sad").partition(":")
    (reply,) = await chat.incoming(kind="button", data=f"{seq}:99", message_id=SHOWN)  # no 100th word
    assert reply.edit is None and "Tap the words that fit" in reply.text


async def test_a_paced_phase_and_a_tapped_next_change_the_exercise_message(chat: Chat):
    await set_up(chat)
    await start_guided_breathing(chat)
    (phase,) = chat.replies
    assert phase.edit is None and "step 1 of 4" in phase.text  # the exercise starts as a new message
    (second,) = await chat.incoming(kind="timer", data=phase.after.data, message_id=SHOWN)
    assert second.edit == "text" and "step 2 of 4" in second.text and second.after is not None
    assert (await tap(chat, "Next")).edit == "text"
    await tap(chat, "Stop")
    assert chat.replies[-1].edit is None and "How is your mood now?" in chat.text


def test_a_timed_step_lasts_at_least_a_second():
    """A paced exercise then changes its message at most once a second."""
    with pytest.raises(ValueError):
        Timer(0.5, "12:next")
    assert Timer(1, "12:next").seconds == 1
