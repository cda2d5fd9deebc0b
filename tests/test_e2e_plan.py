"""/plan end to end: the real PTB Application over real HTTP against the fake Bot API.

The running bot ticks on the real clock, so the reminder is made to fall due by a second
tick over the running bot's own storage, with a clock set to the planned time, sending
through the running bot's own Telegram path."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Clock, plan, set_up, tomorrow_at
from tests.e2e import Person, RunningBot


async def test_plan_by_taps_then_the_reminder_and_the_rating_through_telegram(bot: RunningBot, fake, clock: Clock):
    ana = Person(bot, 2001, "Ana")
    await set_up(ana)
    await ana.send("/plan")
    await ana.press("Moving your body")
    replies = await ana.press("Stretch for five minutes")
    assert "which day" in ana.transcript(replies)
    await ana.press("Tomorrow")
    await ana.press("18:00")
    replies = await ana.press("7")
    assert "Planned: “Stretch for five minutes”" in ana.transcript(replies)

    # The planned time comes: tick with a clock at that moment, sending through the bot.
    due = tomorrow_at(18)
    clock.now = due - timedelta(seconds=30)
    ticker = bot.ticker(clock)
    assert await ticker.drain() == 0
    before = len(fake.messages(ana.user_id))
    clock.now = due + timedelta(seconds=5)
    assert await ticker.drain() == 1
    assert await ticker.drain() == 0
    [reminder] = fake.messages(ana.user_id)[before:]
    assert reminder.text.startswith("Time for your planned activity")
    assert "Stretch" not in reminder.text
    assert [[text for text, _ in row] for row in reminder.buttons] == [["Done", "Not yet", "Reschedule"]]
    ana.seen = len(fake.messages(ana.user_id))

    replies = await ana.press("Done")
    assert "Step 1 of 3" in ana.transcript(replies)
    await ana.press("9")
    await ana.press("6")
    replies = await ana.press("7")
    assert "You expected 7 and it felt like 9" in ana.transcript(replies)
    replies = await ana.send("/plan list")
    assert "Stretch for five minutes: expected 7, felt 9" in ana.transcript(replies)


async def test_not_yet_through_telegram(bot: RunningBot, fake):
    ben = Person(bot, 2002, "Ben")
    await set_up(ben)
    await plan(ben, "Being in touch", "Call Mum", typed=True, day="Tomorrow", at="9:15", predicted="5")
    due = tomorrow_at(9, 15)
    ticker = bot.ticker(lambda: due + timedelta(seconds=5))
    assert await ticker.drain() == 1
    assert "Call Mum" not in fake.last_message(ben.user_id).text
    ben.seen = len(fake.messages(ben.user_id))
    replies = await ben.press("Not yet")
    assert "When shall I remind you again" in ben.transcript(replies)
    assert [text for row in replies[-1].buttons for text, _ in row][:2] == ["In 30 minutes", "In an hour"]
    replies = await ben.press("In an hour")
    assert "remind you again at" in ben.transcript(replies)


async def test_plan_list_through_telegram(bot: RunningBot):
    cai = Person(bot, 2003, "Cai")
    await set_up(cai)
    replies = await cai.send("/plan list")
    assert "Nothing planned yet" in cai.transcript(replies)
    await plan(cai, "Getting something done", "Tidy one drawer", day="Tomorrow", at="10:00", predicted="4")
    replies = await cai.send("/plan list")
    text = cai.transcript(replies)
    assert "Planned" in text and "10:00: Tidy one drawer" in text
