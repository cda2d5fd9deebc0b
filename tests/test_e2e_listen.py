"""Issue 19 end to end, through the fake Bot API as a person would use Telegram (and the
console): a reply that listens, next steps as buttons, never silent after a long paste."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flows.dialogue import engine as engine_module
from tests.conftest import CONSOLE_SET_UP, log_mood, run_console, set_up
from tests.e2e import Person
from tests.test_listen import VENT


def labels(messages: list) -> list[str]:
    return [text for message in messages for row in message.buttons for text, _ in row]


async def test_a_greeting_help_and_a_vent_each_get_a_reply_that_fits(bot):
    ana = Person(bot, 1901)
    await set_up(ana)
    said = await ana.send("Hola!")
    assert "good to hear from you" in ana.transcript(said)
    assert labels(said) == ["Log my mood", "Look at a thought", "A calm exercise"]
    said = await ana.press("Log my mood")
    assert "How is your mood right now?" in ana.transcript(said)
    await ana.send("/cancel")

    said = await ana.send("help")
    assert labels(said) == ["Help lines now", "What I can do"]
    said = await ana.press("Help lines now")
    assert "116 123" in ana.transcript(said)

    said = await ana.send(VENT)
    assert ana.transcript(said).startswith("Thank you for telling me. That sounds like a lot to carry.")
    assert labels(said) == ["Write it down as a thought record", "Log how I feel", "A calm exercise", "Help lines"]
    said = await ana.press("Write it down as a thought record")
    assert "I'll use what you wrote as the situation" in ana.transcript(said)
    said = await ana.press("Quick version")
    assert "Step 2 of 4" in ana.transcript(said)
    await ana.send("I'll let everyone down")
    await ana.press("Not sure")
    said = await ana.send("I've managed busy months before")
    assert "relentless" in ana.transcript(said)  # their words, the record's situation (cut to fit)
    [entry] = [e for e in await bot.telegram_bot.storage.history(1901) if e.kind == "thought"]
    assert entry.data["situation"] == VENT


async def test_a_risky_vent_gets_the_safety_response_first(bot):
    ana = Person(bot, 1902)
    await set_up(ana)
    said = await ana.send(VENT.replace("It all piles up", "I want to kill myself. It all piles up"))
    text = ana.transcript(said)
    assert "116 123" in text and "Thank you for telling me" not in text and "kill" not in text


async def test_the_end_of_practices_offers_next_steps_as_buttons(bot):
    ana = Person(bot, 1903)
    await set_up(ana)
    said = await log_mood(ana, 2)
    text = ana.transcript(said)
    assert text.index("That sounds like a hard time") < text.index("Saved")
    assert labels(said) == ["A calm check-in", "Look at a thought"]

    await ana.send("/thought")
    await ana.press("Quick version")
    await ana.send("My friend cancelled our plans")
    await ana.send("She doesn't want to see me")
    await ana.press("More traps")
    await ana.press("Mind reading")
    await ana.press("Done")
    said = await ana.send("She said she was unwell")
    text = ana.transcript(said)
    assert "Thank you for taking the time" in text and "Well done" not in text  # nothing was re-rated
    assert labels(said) == ["Lesson: Mind reading", "A calm check-in"]
    said = await ana.press("Lesson: Mind reading")
    assert labels(said) == ["Next ›"]

    await ana.send("/checkin")
    await ana.press("4")
    await ana.press("Box breathing")
    await ana.press("Start")
    await ana.press("Stop")
    said = await ana.press("7")
    assert labels(said) == ["What helped?", "Plan something small"]
    await ana.press("What helped?")
    await ana.send("Breathing slower than usual")
    journal = ana.transcript(await ana.send("/journal"))
    assert "What helped: Breathing slower than usual" in journal


async def test_never_silent_after_a_long_paste(bot, monkeypatch):
    ana = Person(bot, 1904)
    await set_up(ana)
    said = await ana.send("x" * 4096)
    assert "longer than I can take" in ana.transcript(said)
    assert await ana.send("the rest of the paste") == []  # at once: the paste's own rest
    monkeypatch.setattr(engine_module, "PASTE_TAIL", timedelta(0))  # as if seconds had passed
    assert await ana.send("hello?") == []  # in the window: not read now
    said = await ana.send("/help")
    assert ana.transcript(said).startswith("I missed a message or two there")
    said = await ana.send("hi")  # the window is over
    assert "good to hear from you" in ana.transcript(said)

    await ana.send("y" * 4096)
    assert await ana.send("still there?") == []
    (timer,) = [j for j in bot.application.job_queue.jobs() if j.name != "tick"]
    await timer.run(bot.application)  # as the job queue would, ten seconds on
    note = await bot.fake.await_for(
        lambda: [m for m in bot.fake.messages(1904) if "I missed a message" in (m.text or "")][1:], what="the note"
    )
    assert len(note) == 1


def test_the_console_listens_too(tmp_path: Path):
    result = run_console(tmp_path, [*CONSOLE_SET_UP, "hi", "Log my mood", "2", "Skip", "Skip", "A calm check-in", "/cancel", "help", VENT])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "good to hear from you" in out and "[1] Log my mood" in out
    assert out.index("That sounds like a hard time") < out.index("Saved: mood 2")
    assert "Let's take a few minutes for you" in out
    assert "Help lines now" in out and "Thank you for telling me" in out
    assert "Write it down as a thought record" in out
