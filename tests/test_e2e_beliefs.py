"""/beliefs end to end: the real Application over HTTP against the fake Bot API, pressing the
real inline buttons. The `fake` fixture fails any test in which Telegram would have refused
something the bot sent (too long, bad HTML, bad buttons).

The running bot ticks on the real clock, so the daily note is made to fall due by a second
tick over the running bot's own storage, with a clock set to its time, sending through the
bot's own Telegram path."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.conftest import Clock, set_up, started_thought_record
from tests.e2e import Person, RunningBot, running_bot
from tests.fake_telegram import FakeTelegram

THOUGHT = "She didn't reply, she must be annoyed with me"
BALANCED = "Some people find me hard work, and plenty enjoy my company"


async def a_thought_record(person: Person) -> None:
    await started_thought_record(person, "Quick version", "Waiting for a reply from my sister")
    await person.send(THOUGHT)
    await person.press("Mind reading")
    await person.press("Done")
    await person.send("She's often busy at work")


def labels(message) -> list[str]:
    return [label for row in message.buttons for label, _ in row]


async def test_a_whole_worksheet_by_its_buttons_then_the_journal(bot: RunningBot, fake: FakeTelegram):
    ana = Person(bot, 5001)
    await set_up(ana)
    await a_thought_record(ana)
    intro, question = await ana.send("/beliefs")
    assert "Beliefs change over weeks" in intro.text and THOUGHT in question.text
    assert labels(question) == ["Start from this one", "A new thought", "Take a breather"]
    (question,) = await ana.press("Start from this one")
    assert "question 1 of 4" in question.text and THOUGHT in question.text
    (question,) = await ana.send("I'm annoying")
    assert "You wrote:\nI'm annoying" in question.text
    (question,) = await ana.send("People put up with me")
    assert "question 3 of 4" in question.text and "People put up with me" in question.text
    (naming,) = await ana.press("That's it")
    assert "Where you got to:\nPeople put up with me" in naming.text
    assert await ana.press("Feeling unlovable") == []  # the question itself changes: no new message
    shown = fake.message(ana.user_id, naming.message_id)
    assert "People always leave" in shown.text and "✓ Feeling unlovable" in labels(shown)
    (rate,) = await ana.send("Nobody really likes me")
    assert "Step 4 of 6" in rate.text and "Nobody really likes me" in rate.text
    await ana.press("80")
    await ana.send("My sister rang me on my birthday")
    (rerate,) = await ana.send(BALANCED)
    assert BALANCED in rerate.text and "over weeks" in rerate.text
    await ana.press("30")
    summary, saved = await ana.press("Yes, at 20:00")
    assert "The belief beneath it: Nobody really likes me (80/100)" in summary.text
    assert f"A more balanced belief: {BALANCED} (30/100)" in summary.text
    assert "daily note comes at 20:00" in saved.text and "Saved" in saved.text
    (page,) = await ana.send("/journal")
    assert "Core belief" in page.text and "Belief: “Nobody really likes me” · 80%" in page.text
    assert "Daily notes" in labels(page)


async def test_the_daily_note_falls_due_through_telegram(bot: RunningBot, fake: FakeTelegram, clock: Clock):
    ben = Person(bot, 5002, "Ben")
    await set_up(ben)
    await ben.send("/beliefs")
    await ben.send("I made a mistake at work")
    await ben.press("That's it")
    await ben.send("I'm incompetent")
    await ben.press("70")
    await ben.press("Skip")
    await ben.send("I make mistakes and I also do good work")
    await ben.press("40")
    await ben.press("Yes, at 20:00")
    [row] = [r for r in await bot.telegram_bot.storage.scheduled(ben.user_id) if r["kind"] == "belief_prompt"]
    due = datetime.fromisoformat(row["due_at"])
    assert (due.hour, due.minute) == (20, 0)  # their time (UTC: no zone set)

    clock.now = due - timedelta(seconds=30)
    ticker = bot.ticker(clock)
    assert await ticker.drain() == 0
    before = len(fake.messages(ben.user_id))
    clock.now = due + timedelta(seconds=5)
    assert await ticker.drain() == 1
    assert await ticker.drain() == 0  # once
    [nudge] = fake.messages(ben.user_id)[before:]
    assert nudge.text == "Time for today's short note."  # neutral on a locked screen
    assert labels(nudge) == ["Write today's note"]
    ben.seen = len(fake.messages(ben.user_id))
    (question,) = await ben.press("Write today's note")
    assert "Your new belief:\nI make mistakes and I also do good work" in question.text
    (noted,) = await ben.send("Fixed the report before lunch")
    assert "Noted" in noted.text
    clock.now = due + timedelta(days=1, seconds=5)
    assert await ticker.drain() == 1  # the next day's
    ben.seen = len(fake.messages(ben.user_id))
    (page,) = await ben.send("/journal belief_log")
    assert "Daily note" in page.text and "Fixed the report before lunch" in page.text


async def test_a_restart_in_the_middle_continues_it(fake: FakeTelegram, config, content):
    async with running_bot(fake, config, content) as first:
        cai = Person(first, 5003, "Cai")
        await set_up(cai)
        await cai.send("/beliefs")
        await cai.send("I forgot to call back")
        await cai.send("I'm thoughtless")
    async with running_bot(fake, config, content) as second:
        cai.bot = second
        (naming,) = await cai.press("That's it")  # the keyboard on their screen still works
        assert "Where you got to:\nI'm thoughtless" in naming.text
        await cai.press("Use my words above")
        await cai.press("60")
        await cai.press("Skip")
        await cai.send("I forget sometimes, and I care about people")
        await cai.press("50")
        summary, _ = await cai.press("Not now")
        assert "The belief beneath it: I'm thoughtless (60/100)" in summary.text


async def test_a_disclosure_at_a_step_brings_the_crisis_response_and_is_never_quoted(bot: RunningBot):
    dee = Person(bot, 5004, "Dee")
    await set_up(dee)
    await dee.send("/beliefs")
    await dee.send("My partner left")
    await dee.send("I'm unlovable")
    replies = await dee.send("i want to kill myself")
    text = dee.transcript(replies)
    assert "116 123" in text and "Are you safe right now?" in text and "question 3 of 4" not in text
    await dee.press("Safe for now")
    replies = await dee.press("Carry on")
    assert "leave the belief work here" in dee.transcript(replies)
    assert not any(row for m in replies for row in m.buttons)  # it ended: no question, no second menu
    assert "kill myself" not in dee.transcript()  # nothing the bot said quotes it
    journal = dee.transcript(await dee.send("/journal"))
    assert "Stopped early" in journal and "kill myself" not in journal


async def test_cancel_and_a_breather_through_telegram(bot: RunningBot, fake: FakeTelegram):
    eli = Person(bot, 5005, "Eli")
    await set_up(eli)
    await eli.send("/beliefs")
    await eli.send("I failed the test")
    (stopped,) = await eli.send("/cancel")
    assert "Nothing from this was kept" in stopped.text
    replies = await eli.send("I'm stupid")  # no longer an answer
    assert "what would it mean" not in eli.transcript(replies)
    await eli.send("/beliefs")
    await eli.send("I failed the test")
    (pause,) = await eli.press("Take a breather")
    assert labels(pause) == ["A short check-in", "Back to it", "Stop for today"]
    said, checkin = await eli.press("A short check-in")
    assert "nothing from it was kept" in said.text and "how is your mood right now?" in checkin.text
    journal = eli.transcript(await eli.send("/journal"))
    assert "Core belief" not in journal
