"""/experiment end to end: the real PTB Application over real HTTP against the fake Bot API,
pressing the real inline buttons. The `fake` fixture fails any test in which Telegram would
have refused something the bot sent (too long, bad HTML, bad buttons).

The running bot ticks on the real clock, so the reminder and the follow-up are made to fall
due by a second tick over the running bot's own storage, with a clock the test moves,
sending through the running bot's own Telegram path."""

from __future__ import annotations

from datetime import timedelta

from flows.lib.content import Content
from tests.conftest import Clock, set_up, tomorrow_at
from tests.e2e import Person, RunningBot, running_bot

BELIEF = "If I say no to extra work, my boss will be angry"
PREDICTION = "She'll frown, say it's a problem and bring it up again"
KNOW = "I'll watch her face and note what she says"
WHAT = "Say no to the Friday rota swap"
WHERE = "Her office"



async def test_an_experiment_by_taps_then_its_reminder_follow_up_and_looking_back_through_telegram(
    bot: RunningBot, fake, clock: Clock
):
    ana = Person(bot, 5001, "Ana")
    await set_up(ana)
    replies = await ana.send("/experiment")
    assert "Step 1 of 3 · the belief" in ana.transcript(replies)
    question = replies[-1]
    sent_before = len(fake.messages(ana.user_id))
    await ana.press("See an example")  # shown in the question's own message
    assert len(fake.messages(ana.user_id)) == sent_before
    assert "Example · Social anxiety" in fake.message(ana.user_id, question.message_id).text
    await ana.press("Another example")
    assert "Example · Health worry" in fake.message(ana.user_id, question.message_id).text
    await ana.send(BELIEF)
    replies = await ana.press("70")
    assert f"{BELIEF}\nIf that's true, what exactly will happen?" in ana.transcript(replies)
    await ana.send(PREDICTION)
    await ana.send(KNOW)
    await ana.send(WHAT)
    await ana.press("Tomorrow")
    await ana.press("18:00")
    await ana.send(WHERE)
    replies = await ana.press("Nothing I can think of")
    assert "You've turned a belief into a test you can run" in ana.transcript(replies)

    # The planned time comes: tick with a clock at that moment, sending through the bot.
    due = tomorrow_at(18)
    clock.now = due - timedelta(seconds=30)
    ticker = bot.ticker(clock)
    assert await ticker.drain() == 0
    before = len(fake.messages(ana.user_id))
    clock.now = due + timedelta(seconds=5)
    assert await ticker.drain() == 1 and await ticker.drain() == 0
    [reminder] = fake.messages(ana.user_id)[before:]
    assert reminder.text == "It's time for the plan you made. Tap below if you'd like to see it again."
    assert [[text for text, _ in row] for row in reminder.buttons] == [["Show my plan"]]
    ana.seen = len(fake.messages(ana.user_id))
    replies = await ana.press("Show my plan")
    assert WHAT in ana.transcript(replies) and PREDICTION in ana.transcript(replies)

    clock.now = due + timedelta(hours=2, seconds=5)  # the follow-up, two hours on
    assert await ticker.drain() == 1 and await ticker.drain() == 0
    follow_up = fake.last_message(ana.user_id)
    assert follow_up.text == "A couple of questions about your plan, whenever you have a moment."
    assert [[text for text, _ in row] for row in follow_up.buttons] == [["Tell me how it went", "Later"]]
    ana.seen = len(fake.messages(ana.user_id))
    replies = await ana.press("Tell me how it went")
    assert "Looking back, 1 of 2" in ana.transcript(replies) and PREDICTION in ana.transcript(replies)
    await ana.send("She just said OK and thanked me for telling her early")
    replies = await ana.press("Not at all")
    assert "So things went differently from the prediction." in ana.transcript(replies)
    await ana.send("Saying no clearly was fine")
    replies = await ana.press("30")
    text = ana.transcript(replies)
    assert "Your experiment" in text and "Compared: not as predicted" in text and "Belief: 70 → 30" in text
    assert "loosened from 70 to 30" in text
    journal = ana.transcript(await ana.send("/journal experiments"))
    assert f"Predicted: {PREDICTION}" in journal
    assert "What happened (not as predicted): She just said OK and thanked me for telling her early" in journal


async def test_a_restart_in_the_middle_of_an_experiment_continues_it(fake, config, content: Content):
    async with running_bot(fake, config, content) as first:
        ana = Person(first, 5002)
        await set_up(ana)
        await ana.send("/experiment")
        await ana.send(BELIEF)
        await ana.press("70")
        await ana.send(PREDICTION)
        await ana.send(KNOW)
        await ana.send(WHAT)
    async with running_bot(fake, config, content) as second:
        ana.bot = second
        replies = await ana.press("Tomorrow")  # the keyboard on their screen still works
        assert "What time tomorrow?" in ana.transcript(replies)
        await ana.press("10:00")
        await ana.send(WHERE)
        replies = await ana.press("Nothing I can think of")
        assert "You've turned a belief into a test you can run" in ana.transcript(replies)


async def test_a_disclosure_at_a_step_brings_the_crisis_response_and_is_never_quoted_back(bot: RunningBot):
    ana = Person(bot, 5003)
    await set_up(ana)
    await ana.send("/experiment")
    await ana.send(BELIEF)
    await ana.press("70")
    replies = await ana.send("If she is angry I want to kill myself")
    text = ana.transcript(replies)
    assert "116 123" in text and "Are you safe right now?" in text
    await ana.press("Safe for now")
    replies = await ana.press("Carry on")
    assert "Let's leave the experiment here" in ana.transcript(replies)
    assert "kill myself" not in ana.transcript()  # everything the bot said
    journal = ana.transcript(await ana.send("/journal experiments"))
    assert "Predicted: (hidden)" in journal and "kill" not in journal
    replies = await ana.send("/experiment")  # nothing was planned
    assert "Step 1 of 3" in ana.transcript(replies)


async def test_cancel_through_telegram_leaves_nothing_planned(bot: RunningBot, fake, clock: Clock):
    ben = Person(bot, 5004, "Ben")
    await set_up(ben)
    await ben.send("/experiment")
    await ben.send(BELIEF)
    await ben.press("70")
    await ben.send(PREDICTION)
    replies = await ben.send("/cancel")
    assert "Stopped. Nothing was planned." in ben.transcript(replies)
    assert "Nothing recorded yet" in ben.transcript(await ben.send("/journal"))
    clock.now = tomorrow_at(23)
    assert await bot.ticker(clock).drain() == 0
