"""/checkin, driven through the real engine and storage with a fixed clock: mood before,
an exercise at the person's own pace, mood after, and what is (or is not) kept."""

from __future__ import annotations

import pytest

from flows.practices import checkin
from flows.lib import markup
from flows.dialogue.core import Ctx
from flows.lib.content import Exercises
from tests.conftest import FIXED_NOW, Chat, choose_exercise, set_up

SAFE_QUESTION = "Are you safe right now?"
MOOD_AFTER = "How is your mood now?"


def exercise(content, exercise_id: str):
    return next(e for e in content.of(Exercises).exercise if e.id == exercise_id)


async def entries(chat: Chat, kind: str = "checkin") -> list:
    return [e for e in await chat.engine.store.history(chat.user_id) if e.kind == kind]


async def tap_through(chat: Chat, seen: list[str] | None = None, limit: int = 40) -> list[str]:
    """Tap Next until the mood-after question; returns every phase message shown."""
    shown = seen if seen is not None else []
    for _ in range(limit):
        shown.append(chat.text)
        if MOOD_AFTER in chat.text:
            return shown
        await chat.press("Next")
    raise AssertionError("the exercise never reached the mood after")


# --- the whole check-in ------------------------------------------------------------------

async def test_mood_before_is_a_labelled_scale_then_every_exercise_with_its_about(chat: Chat, content):
    await set_up(chat)
    await chat.send("/checkin")
    assert "0 = the worst" in chat.text and "10 = the best" in chat.text
    assert chat.labels() == [str(n) for n in range(11)]
    await chat.press("4")
    assert chat.labels() == [e.name for e in content.of(Exercises).exercise]
    for e in content.of(Exercises).exercise:
        assert e.about in chat.text


@pytest.mark.parametrize("exercise_id", ["box_breathing", "grounding", "body_scan", "leaves"])
async def test_each_exercise_runs_start_to_finish_with_next(chat: Chat, content, exercise_id: str):
    chosen = exercise(content, exercise_id)
    await set_up(chat)
    await choose_exercise(chat, chosen.name, "4")
    assert chosen.safeguard in chat.text
    await chat.press("Start the body scan" if exercise_id == "body_scan" else "Start")
    phases = await tap_through(chat)
    # one message per phase, every step's words shown, then the closing and the mood after
    assert len(phases) - 1 == chosen.rounds * len(chosen.step)
    for step in chosen.step:
        assert any(step.text in shown for shown in phases)
    assert chosen.closing in chat.text and "0 = the worst" in chat.text
    await chat.press("6")
    assert f"Saved: {chosen.name}, mood 4 → 6" in chat.text and "/journal" in chat.text
    (entry,) = await entries(chat)
    assert entry.data == {
        "exercise": exercise_id,
        "exercise_name": chosen.name,
        "mood_before": 4,
        "mood_after": 6,
        "change": 2,
        "stopped": False,
    }


async def test_box_breathing_shows_every_round(chat: Chat, content):
    chosen = exercise(content, "box_breathing")
    await set_up(chat)
    await choose_exercise(chat, chosen.name)
    assert "skip the holds" in chat.text and "eyes can stay open" in chat.text
    await chat.press("Start")
    phases = await tap_through(chat)
    for number in range(1, chosen.rounds + 1):
        in_round = [p for p in phases if f"round {number} of {chosen.rounds}" in p]
        assert len(in_round) == len(chosen.step)
        assert [s.text for s in chosen.step] == [
            next(s.text for s in chosen.step if s.text in p) for p in in_round
        ]
    assert "step 4 of 4" in phases[-2]
    assert chat.labels() == [str(n) for n in range(11)]


async def test_grounding_accepts_typed_answers_and_taps_without_quoting_them(chat: Chat, content):
    chosen = exercise(content, "grounding")
    await set_up(chat)
    await choose_exercise(chat, chosen.name, "3")
    await chat.press("Start")
    assert "step 1 of 5" in chat.text and chat.labels() == ["Next", "Stop"]
    await chat.send("a zebra mug, the blue curtain")
    assert "Noted" in chat.text and "step 2 of 5" in chat.text
    assert "zebra" not in chat.text and "curtain" not in chat.text
    await chat.press("Next")  # a tap is as good as words
    assert "step 3 of 5" in chat.text and "Noted" not in chat.text
    await chat.send("the fridge humming")
    assert "step 4 of 5" in chat.text and "fridge" not in chat.text
    await chat.press("Next")
    await chat.send("coffee")
    assert MOOD_AFTER in chat.text and chosen.closing in chat.text and "coffee" not in chat.text
    await chat.send("5")
    assert "mood 3 → 5" in chat.text and "put what you noticed into words" in chat.text
    assert "zebra" not in chat.text
    (entry,) = await entries(chat)
    assert entry.data["exercise"] == "grounding" and entry.data["change"] == 2
    # their words are theirs: kept with the entry, shown in their own journal
    assert entry.data["noticed"] == "a zebra mug, the blue curtain · the fridge humming · coffee"


async def test_typing_during_a_breathing_phase_asks_for_a_tap_and_stays_put(chat: Chat):
    await set_up(chat)
    await choose_exercise(chat, "Box breathing")
    await chat.press("Start")
    await chat.send("ok what now")
    assert "Tap Next" in chat.text and "round 1 of 4 · step 1 of 4" in chat.text
    assert chat.labels() == ["Next", "Stop"]
    await chat.send("next")  # typing the button's word works too
    assert "step 2 of 4" in chat.text


async def test_body_scan_offers_grounding_instead_at_the_start(chat: Chat, content):
    await set_up(chat)
    await choose_exercise(chat, "Body scan", "5")
    assert "stir up difficult feelings" in chat.text and "eyes can stay open" in chat.text
    assert chat.labels()[:2] == ["Start the body scan", "Grounding instead"]
    await chat.press("Grounding instead")
    assert exercise(content, "grounding").safeguard in chat.text
    await chat.press("Start")
    assert "5-4-3-2-1 grounding · step 1 of 5" in chat.text
    await tap_through(chat)
    await chat.press("7")
    (entry,) = await entries(chat)
    assert entry.data["exercise"] == "grounding" and entry.data["switched_from"] == "body_scan"
    assert entry.data["mood_before"] == 5 and entry.data["mood_after"] == 7


async def test_body_scan_can_switch_to_grounding_part_way(chat: Chat):
    await set_up(chat)
    await choose_exercise(chat, "Body scan")
    await chat.press("Start the body scan")
    await chat.press("Next")
    assert "Body scan · step 2 of 7" in chat.text
    assert chat.labels() == ["Next", "Stop", "Grounding instead"]
    await chat.press("Grounding instead")
    await chat.press("Start")
    assert "5-4-3-2-1 grounding · step 1 of 5" in chat.text


async def test_pick_another_goes_back_to_the_list(chat: Chat, content):
    await set_up(chat)
    await choose_exercise(chat, "Leaves on a stream")
    await chat.press("Pick another")
    assert chat.labels() == [e.name for e in content.of(Exercises).exercise]
    await chat.send("box breathing")  # a typed name works too
    assert exercise(content, "box_breathing").safeguard in chat.text


async def test_stop_mid_exercise_goes_to_mood_after_and_saves_it_marked_stopped(chat: Chat):
    await set_up(chat)
    await choose_exercise(chat, "Leaves on a stream", "6")
    await chat.press("Start")
    await chat.press("Next")
    await chat.press("Stop")
    assert MOOD_AFTER in chat.text and "stop" in chat.text.lower()
    assert chat.labels() == [str(n) for n in range(11)]
    await chat.press("6")
    assert "Saved: Leaves on a stream (stopped early), mood 6 → 6" in chat.text
    (entry,) = await entries(chat)
    assert entry.data["stopped"] is True and entry.data["change"] == 0
    await chat.send("/journal")
    assert "Leaves on a stream (stopped early) · mood 6 → 6" in chat.text


@pytest.mark.parametrize("wrong", ["eleven", "15", "-1", "lots"])
async def test_a_mood_that_is_not_0_to_10_is_asked_again(chat: Chat, wrong: str):
    await set_up(chat)
    await chat.send("/checkin")
    await chat.send(wrong)
    assert "from 0 to 10" in chat.text and chat.labels() == [str(n) for n in range(11)]
    await chat.send("4")
    assert "Which exercise" in chat.text
    await chat.press("Box breathing")
    await chat.press("Start")
    await chat.press("Stop")
    await chat.send(wrong)
    assert "from 0 to 10" in chat.text and chat.labels() == [str(n) for n in range(11)]
    await chat.send("8")
    assert "mood 4 → 8" in chat.text


async def test_the_entry_is_saved_with_before_and_after_and_shows_in_the_journal(chat: Chat):
    await set_up(chat)
    await choose_exercise(chat, "5-4-3-2-1 grounding", "2")
    await chat.press("Start")
    await chat.send("the window")
    await tap_through(chat)
    await chat.press("5")
    (entry,) = await entries(chat)
    assert entry.at == FIXED_NOW.isoformat(timespec="seconds")
    assert (entry.data["mood_before"], entry.data["mood_after"], entry.data["change"]) == (2, 5, 3)
    await chat.send("/journal")
    assert "Check-in" in chat.text and "5-4-3-2-1 grounding · mood 2 → 5" in chat.text
    assert "Noticed: the window" in chat.text
    await chat.press("Check-ins")
    assert "check-ins" in chat.text and "mood 2 → 5" in chat.text


async def test_cancel_part_way_saves_nothing(chat: Chat):
    await set_up(chat)
    await choose_exercise(chat, "5-4-3-2-1 grounding")
    await chat.press("Start")
    await chat.send("a lamp")
    await chat.send("/cancel")
    assert "Nothing from this check-in was saved" in chat.text
    assert await entries(chat) == []
    await chat.send("7")  # no longer an answer to anything
    assert "/help" in chat.text
    await chat.send("/journal")
    assert "Nothing recorded yet" in chat.text


async def test_without_consent_it_still_works_and_nothing_is_kept(chat: Chat):
    await set_up(chat, consent="No, don't keep them")
    await choose_exercise(chat, "5-4-3-2-1 grounding", "3")
    await chat.press("Start")
    await chat.send("a green door")
    await tap_through(chat)
    await chat.press("4")
    assert "mood 3 → 4" in chat.text and "isn't saved" in chat.text and "Saved:" not in chat.text
    assert await entries(chat) == []
    state = await chat.engine.store.load(chat.user_id, chat.user_id)
    assert state.flow is None  # nothing they typed outlives the practice


async def test_a_disclosure_at_a_grounding_step_gets_the_risk_response_and_can_carry_on(chat: Chat):
    await set_up(chat)
    await choose_exercise(chat, "5-4-3-2-1 grounding", "2")
    await chat.press("Start")
    await chat.press("Next")
    await chat.send("i want to kill myself")
    assert SAFE_QUESTION in chat.text and "116 123" in chat.text and "999" in chat.text
    assert "kill myself" not in chat.text and "Noted" not in chat.text
    await chat.press("Safe for now")
    await chat.press("Carry on")
    assert "step 3 of 5" in chat.text  # the exercise goes on from the next sense
    assert "kill myself" not in chat.text and "Noted" not in chat.text
    await chat.send("rain on the window")
    assert "Noted" in chat.text and "step 4 of 5" in chat.text
    await tap_through(chat)
    assert "kill myself" not in chat.text
    await chat.press("3")
    assert "kill myself" not in chat.text
    (entry,) = await entries(chat)
    assert "kill myself" in entry.data["noticed"]  # still theirs, encrypted, not thrown away
    assert entry.data["hidden"] == ["noticed"]
    await chat.send("/journal")
    assert "Noticed: (hidden)" in chat.text and "kill myself" not in chat.text
    assert "Show hidden words: Check-in, Tue 24 Nov, 12:00" in chat.labels()  # plain words, not an id


async def test_a_restart_part_way_carries_on_where_they_were(chat: Chat, engine_factory):
    await set_up(chat)
    await choose_exercise(chat, "Box breathing", "3")
    await chat.press("Start")
    for _ in range(5):
        await chat.press("Next")
    assert "round 2 of 4 · step 2 of 4" in chat.text
    chat.engine = engine_factory()  # a new process, the same database; the keyboard still on their screen
    await chat.press("Next")
    assert "round 2 of 4 · step 3 of 4" in chat.text
    await chat.press("Stop")
    await chat.press("5")
    assert "mood 3 → 5" in chat.text


async def test_an_old_next_button_does_not_skip_ahead(chat: Chat):
    await set_up(chat)
    await choose_exercise(chat, "Leaves on a stream")
    await chat.press("Start")
    old = chat.button_data("Next")
    await chat.press("Next")
    await chat.incoming(kind="button", data=old)
    assert "earlier question" in chat.text and "step 2 of 6" in chat.text


async def test_every_message_fits_telegram(chat: Chat, content):
    """Telegram would accept every message of every exercise, well under 4096 characters."""
    await set_up(chat)
    for chosen in content.of(Exercises).exercise:
        texts: list[str] = []
        await choose_exercise(chat, chosen.name)
        texts += [r.text for r in chat.replies]
        await chat.press("Start the body scan" if chosen.id == "body_scan" else "Start")
        for _ in range(chosen.rounds * len(chosen.step)):
            texts += [r.text for r in chat.replies]
            await chat.send("x" * 400) if chosen.id == "grounding" else await chat.press("Next")
        await chat.press("0")
        texts += [r.text for r in chat.replies]
        for text in texts:
            markup.check(text)
            assert markup.visible_length(text) < 1000


def test_each_phase_is_computable_from_the_flow_data(content):
    """What a timer will need: the phase's words and seconds from the flow's data alone."""
    chosen = exercise(content, "box_breathing")
    ctx = Ctx.bare(content, FIXED_NOW)
    ctx.data.update(exercise="box_breathing", round=3, index=2)
    assert checkin.phase(ctx) == (chosen.step[2].text, chosen.step[2].seconds)
    ctx.data.update(exercise="grounding", index=0)
    assert checkin.phase(ctx) == (exercise(content, "grounding").step[0].text, 0)
