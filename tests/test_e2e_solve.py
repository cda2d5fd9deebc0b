"""/solve end to end: the real PTB Application over real HTTP against the fake Bot API, as a
person would use it in Telegram, pressing the real inline buttons. The `fake` fixture fails
any test in which Telegram would have refused something the bot sent.

The running bot ticks on the real clock, so a reminder is made to fall due by a second tick
over the running bot's own storage with a clock set to its time (RunningBot.ticker), sending
through the bot's own Telegram path."""

from __future__ import annotations

from datetime import timedelta

from flows.lib.content import Content
from tests.conftest import Clock, set_up, tomorrow_at
from tests.e2e import Person, RunningBot, running_bot

PROBLEM = "I haven't answered my landlord's email about the boiler"


async def to_the_ratings(person: Person) -> None:
    """/solve, the problem and three ideas typed, then [That's all]: at the first rating."""
    await person.send("/solve")
    await person.send(PROBLEM)
    await person.send("write back tonight")
    await person.send("ask a friend to read my reply, ring the landlord")
    await person.press("That's all")



async def test_a_problem_by_taps_then_the_reminder_and_the_look_back_through_telegram(bot: RunningBot, fake, clock: Clock):
    ana = Person(bot, 5001, "Ana")
    await set_up(ana)
    replies = await ana.send("/solve")
    assert "Step 1 of 6" in ana.transcript(replies)
    replies = await ana.send(PROBLEM)
    assert "no judging yet" in ana.transcript(replies)
    await ana.send("write back tonight")
    replies = await ana.send("ask a friend to read my reply, ring the landlord")
    assert "3. ring the landlord" in ana.transcript(replies)
    replies = await ana.press("That's all")
    assert "idea 1 of 3" in ana.transcript(replies)
    for number in ("8", "6", "5", "9", "7", "3"):
        replies = await ana.press(number)
    text = ana.transcript(replies)
    assert "Step 4 of 6" in text and text.index("1. write back tonight") < text.index("2. ask a friend")
    replies = await ana.press("write back tonight")
    assert "let's make it small" in ana.transcript(replies)
    await ana.send("open the email and read it once")
    await ana.press("Tomorrow")
    await ana.press("10:00")
    replies = await ana.press("That's the plan")
    assert "Step 6 of 6" in ana.transcript(replies)
    replies = await ana.press("Remind me, and ask how it went")
    text = ana.transcript(replies)
    assert "Your plan" in text and "Trying: “write back tonight”" in text and "I'll ask how it went" in text

    # The step's time comes: a tick with a clock at that moment, sending through the bot.
    due = tomorrow_at(10)
    clock.now = due - timedelta(seconds=30)
    ticker = bot.ticker(clock)
    assert await ticker.drain() == 0
    before = len(fake.messages(ana.user_id))
    clock.now = due + timedelta(seconds=5)
    assert await ticker.drain() == 1
    assert await ticker.drain() == 0
    [reminder] = fake.messages(ana.user_id)[before:]
    assert reminder.text.startswith("Time for a step you planned.")
    for word in ("landlord", "email", "boiler", "write"):
        assert word not in reminder.text
    ana.seen = len(fake.messages(ana.user_id))
    replies = await ana.press("Show me the step")
    assert "“open the email and read it once”" in ana.transcript(replies)

    # The look back, the day after.
    clock.now = due + timedelta(days=1, seconds=5)
    assert await ticker.drain() == 1
    look_back = fake.last_message(ana.user_id)
    assert look_back.text.startswith("Time to look back on a plan you made.") and "landlord" not in look_back.text
    ana.seen = len(fake.messages(ana.user_id))
    replies = await ana.press("Look back now")
    assert "Did you do it?" in ana.transcript(replies)
    await ana.press("Yes")
    await ana.press("8")
    replies = await ana.press("It's sorted")
    assert "it helped 8 out of 10" in ana.transcript(replies)
    journal = ana.transcript(await ana.send("/journal solve"))
    assert f"Problem: {PROBLEM}" in journal and "Looked back: done · helped 8/10 · sorted" in journal


async def test_a_restart_in_the_middle_continues_it(fake, config, content: Content):
    async with running_bot(fake, config, content) as first:
        ana = Person(first, 5002)
        await set_up(ana)
        await to_the_ratings(ana)
        await ana.press("8")
    async with running_bot(fake, config, content) as second:
        ana.bot = second
        replies = await ana.press("6")  # the keyboard on their screen still works
        text = ana.transcript(replies)
        assert "idea 2 of 3" in text and "“ask a friend to read my reply”" in text


async def test_a_disclosure_at_a_step_gets_the_crisis_response_and_is_never_quoted(bot: RunningBot):
    ana = Person(bot, 5003)
    await set_up(ana)
    await to_the_ratings(ana)
    for number in ("8", "6", "5", "9", "7", "3"):
        await ana.press(number)
    await ana.press("ring the landlord")
    replies = await ana.send("i want to kill myself")
    text = ana.transcript(replies)
    assert "116 123" in text and "Are you safe right now?" in text
    await ana.press("Safe for now")
    replies = await ana.press("Carry on")
    text = ana.transcript(replies)
    assert "leave problem solving here" in text and "which day" not in text
    assert not any(row for m in replies for row in m.buttons)  # no second menu
    assert "kill myself" not in ana.transcript()  # nowhere in anything the bot said
    journal = ana.transcript(await ana.send("/journal"))
    assert "Stopped early" in journal and "kill myself" not in journal


async def test_someone_hurting_them_gets_the_abuse_line_not_a_brainstorm(bot: RunningBot):
    ana = Person(bot, 5004)
    await set_up(ana)
    await ana.send("/solve")
    replies = await ana.send("my ex keeps turning up at my house and threatening me")
    text = ana.transcript(replies)
    assert "0808 2000 247" in text and "no judging yet" not in text
    await ana.press("Safe for now")
    replies = await ana.press("Carry on")
    text = ana.transcript(replies)
    assert "isn't an ordinary problem" in text and "0808 2000 247" in text and "threatening" not in text


async def test_cancel_leaves_nothing_saved(bot: RunningBot):
    ana = Person(bot, 5005)
    await set_up(ana)
    await to_the_ratings(ana)
    await ana.press("8")
    replies = await ana.send("/cancel")
    assert "Nothing was saved" in ana.transcript(replies)
    journal = ana.transcript(await ana.send("/journal"))
    assert "Nothing recorded yet" in journal
    assert await bot.telegram_bot.storage.scheduled(ana.user_id) == []
