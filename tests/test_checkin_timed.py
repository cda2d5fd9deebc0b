"""Guided check-ins: the bot moves on after each phase by itself, through one timer per
phase (a job in Telegram), never a sleeping handler; a tap first makes the timer a no-op."""

from __future__ import annotations

from tests.conftest import Chat, choose_exercise, set_up, start_guided_breathing
from tests.e2e import Person


async def test_a_guided_phase_carries_its_timer_and_the_timer_moves_it_on(chat: Chat):
    await set_up(chat)
    await start_guided_breathing(chat)
    (phase,) = [r for r in chat.replies if r.after]
    assert phase.after.seconds == 4
    first = chat.text
    await chat.incoming(kind="timer", data=phase.after.data)  # as the job would, four seconds later
    assert chat.text != first and "Next" in chat.labels()
    assert [r for r in chat.replies if r.after]  # the next phase is timed too


async def test_a_timer_after_a_tap_does_nothing(chat: Chat):
    await set_up(chat)
    await start_guided_breathing(chat)
    (phase,) = [r for r in chat.replies if r.after]
    await chat.press("Next")  # they tapped before the time was up
    (second,) = [r for r in chat.replies if r.after]
    await chat.press("Stop")
    assert "How is your mood now?" in chat.text
    assert await chat.incoming(kind="timer", data=phase.after.data) == []
    assert await chat.incoming(kind="timer", data=second.after.data) == []


async def test_at_their_own_pace_nothing_is_timed(chat: Chat):
    await set_up(chat)
    await choose_exercise(chat, "Box breathing")
    await chat.press("Start")
    assert not any(r.after for r in chat.replies)


async def test_in_telegram_a_guided_phase_is_one_job_that_edits_the_exercise_message(bot):
    ana = Person(bot, 701)
    await set_up(ana)
    await start_guided_breathing(ana)
    jobs = [j for j in bot.application.job_queue.jobs() if j.name != "tick"]
    assert len(jobs) == 1
    before = bot.fake.messages(701)
    assert "step 1 of 4" in before[-1].text
    await jobs[0].run(bot.application)  # what the job queue does when the four seconds are up
    after = bot.fake.messages(701)
    assert len(after) == len(before) and "round 1 of 4 · step 2 of 4" in after[-1].text
