"""Issue 19's small things, each seen on a phone, end to end: the real Application over HTTP
against the fake Bot API, as a person would meet them in Telegram."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.conftest import Clock, choose_exercise, set_up, started_thought_record
from tests.e2e import Person, RunningBot

LATE = datetime(2026, 11, 24, 21, 10, tzinfo=timezone.utc)  # 21:10 in London, a Tuesday in winter


def labels_of(message) -> list[str]:
    return [text for row in message.buttons for text, _ in row]


# ------------------------------------------------------------------ the safety plan


async def made_a_plan(person: Person) -> None:
    await person.send("/safetyplan")
    for words in ("not sleeping", "walk the dog", "the radio", "my sister Ana", "my GP", "the library", "my niece"):
        await person.send(words)


async def test_after_the_safety_plan_journal_and_crisis_do_not_ask_to_change_a_section(bot: RunningBot):
    ana = Person(bot, 5101)
    await set_up(ana)
    await made_a_plan(ana)
    replies = await ana.send("/safetyplan")
    assert "walk the dog" in ana.transcript(replies) and "Would you like to change a section?" in ana.transcript(replies)
    replies = await ana.send("/journal")
    assert "change a section" not in ana.transcript(replies)
    replies = await ana.send("/crisis")
    text = ana.transcript(replies)
    assert "116 123" in text and "change a section" not in text
    replies = await ana.send("/safetyplan")  # still there to change, straight after showing it
    await ana.press("Change a section")
    replies = await ana.press("Things I can do on my own")
    assert "Now: walk the dog" in ana.transcript(replies)


async def test_no_to_changing_a_section_is_understood_typed(bot: RunningBot):
    ana = Person(bot, 5102)
    await set_up(ana)
    await made_a_plan(ana)
    await ana.send("/safetyplan")
    replies = await ana.send("no thanks")
    assert "Your plan is as it was" in ana.transcript(replies)


# ---------------------------------------------------------------- settings and time zones


async def test_the_reminder_question_has_one_way_out(bot: RunningBot):
    ana = Person(bot, 5103)
    await ana.send("/start")
    await ana.press("Yes, keep them")
    await ana.send("Ireland")
    assert "No reminder" in ana.labels() and "Skip" not in ana.labels()
    await ana.send("20:00")
    await ana.send("/settings")
    replies = await ana.press("Daily check-in: 20:00")
    assert labels_of(replies[-1])[-2:] == ["Keep 20:00", "No reminder"] and "Skip" not in ana.labels()
    replies = await ana.press("Keep 20:00")
    assert "Daily check-in: 20:00" in ana.labels()
    await ana.press("Daily check-in: 20:00")
    await ana.press("No reminder")
    await ana.press("Daily check-in: off")
    assert "No reminder" in ana.labels() and not any(label.startswith("Keep") for label in ana.labels())


async def test_a_country_with_one_time_zone_sets_it_and_says_so(bot: RunningBot):
    ana = Person(bot, 5104)
    await ana.send("/start")
    await ana.press("Yes, keep them")
    replies = await ana.send("United Kingdom")
    text = ana.transcript(replies)
    assert "United Kingdom has one time zone, so I've set it for you" in text and "there now" in text
    assert "Which time zone" not in text and "What time would you like a short daily check-in?" in text
    replies = await ana.press("No reminder")
    assert "Time zone: London" in ana.transcript(replies)
    await ana.send("/settings")
    await ana.press("Country: United Kingdom")
    replies = await ana.send("Japan")
    text = ana.transcript(replies)
    assert "Japan has one time zone" in text and "Which time zone" not in text
    assert "Time zone: Tokyo" in ana.labels()


async def test_the_time_zone_question_in_settings_asks_plainly(bot: RunningBot):
    ana = Person(bot, 5105)
    await set_up(ana)
    await ana.send("/settings")
    await ana.press("Country: United Kingdom")
    replies = await ana.send("Australia")
    question = replies[-1].text
    assert question.startswith("Which time zone are you in?") and "Thanks" not in question
    assert "Sydney" in ana.labels()
    # Plain words first, the technical form after.
    assert question.index("nearest big city") < question.index("world time") < question.index("UTC+5:30")
    assert "an offset" not in question and "Europe/London" not in question
    replies = await ana.send("Mars")
    assert "nearest big city" in replies[0].text and "an offset" not in replies[0].text


async def test_world_time_and_the_export_file_in_plain_words(bot: RunningBot):
    ana = Person(bot, 5106)
    await ana.send("/start")
    await ana.press("Yes, keep them")
    await ana.press("Skip")  # no country
    await ana.press("Skip")  # no time zone
    await ana.press("No reminder")
    await ana.send("/plan")
    await ana.press("Something enjoyable")
    await ana.press("Listen to a favourite song")
    replies = await ana.press("Tomorrow")
    assert "I'm using world time (UTC)" in ana.transcript(replies)
    replies = await ana.send("/export")
    caption = ana.transcript(replies)
    assert "in one file" in caption and caption.index("in one file") < caption.index("JSON")


# ------------------------------------------------------------------------- /plan tonight


@pytest.fixture
def late(bot: RunningBot) -> Clock:
    """The running bot's engine sees a clock the test sets: 21:10 on a winter evening."""
    clock = Clock(LATE)
    bot.telegram_bot.engine.clock = clock
    return clock


async def at_what_time_today(person: Person) -> list:
    await person.send("/plan")
    await person.press("Something enjoyable")
    await person.press("Listen to a favourite song")
    return await person.press("Today")


async def test_late_in_the_evening_plan_offers_times_later_tonight(bot: RunningBot, late: Clock):
    ana = Person(bot, 5107)
    await set_up(ana)
    replies = await at_what_time_today(ana)
    assert labels_of(replies[-1]) == ["22:00", "23:00", "In 30 minutes", "Another day"]
    assert "getting late" not in ana.transcript(replies)
    await ana.press("In 30 minutes")
    replies = await ana.press("6")
    assert "21:40" in ana.transcript(replies)  # 21:10 and half an hour, their time
    entry = (await bot.telegram_bot.storage.history(ana.user_id))[0]
    assert entry.data["when"] == "2026-11-24T21:40:00+00:00"


@pytest.mark.parametrize(("typed", "at"), [("in 20 minutes", "21:30"), ("in an hour", "22:10")])
async def test_plan_understands_a_time_from_now(bot: RunningBot, late: Clock, typed: str, at: str):
    ana = Person(bot, 5108)
    await set_up(ana)
    await at_what_time_today(ana)
    await ana.send(typed)
    replies = await ana.press("6")
    assert f"Tue 24 Nov, {at}" in ana.transcript(replies)


async def test_just_before_midnight_only_another_day_is_left(bot: RunningBot, late: Clock):
    late.now = LATE.replace(hour=23, minute=40)
    ana = Person(bot, 5109)
    await set_up(ana)
    replies = await at_what_time_today(ana)
    assert labels_of(replies[-1]) == ["Another day"] and "getting late" in ana.transcript(replies)


# ------------------------------------------------------------------- the thinking traps


async def at_the_traps(person: Person) -> list:
    await started_thought_record(person, "Quick version")
    return await person.send("She's ignoring me, she must be angry with me")


async def test_done_typed_at_the_traps_with_nothing_picked_moves_on(bot: RunningBot):
    ana = Person(bot, 5110)
    await set_up(ana)
    replies = await at_the_traps(ana)
    assert "Done" not in ana.labels() and "Not sure" in ana.labels()
    assert "then Done" not in ana.transcript(replies)  # no button named that is not there
    replies = await ana.send("done")  # nothing picked: the same as Not sure
    text = ana.transcript(replies)
    assert "more balanced way to see this" in text and "Tap" not in text


async def test_not_sure_and_a_trap_name_typed_at_the_traps(bot: RunningBot):
    ana = Person(bot, 5111)
    await set_up(ana)
    await at_the_traps(ana)
    replies = await ana.send("what")  # not understood: only buttons that are there are named
    text = ana.transcript(replies)
    assert "Not sure" in text and "Done" not in text and "Not sure" in ana.labels()
    replies = await ana.send("mind reading")  # a trap's name ticks it
    assert "✓ Mind reading" in ana.labels() and "Done" in ana.labels()
    assert "then Done" in ana.transcript(replies)
    replies = await ana.send("done")
    assert "more balanced way to see this" in ana.transcript(replies)
    await ana.send("She's probably busy")
    replies = await ana.send("/journal")
    assert "Mind reading" in ana.transcript(replies)  # the typed trap was kept


async def test_not_sure_typed_at_the_traps_moves_on_without_one(bot: RunningBot):
    ana = Person(bot, 5112)
    await set_up(ana)
    await at_the_traps(ana)
    replies = await ana.send("not sure")
    assert "more balanced way to see this" in ana.transcript(replies) and "Not sure" not in ana.labels()


# ------------------------------------------------------------------------ emotion words


async def test_a_good_mood_is_offered_pleasant_words_first_and_they_are_not_distress(bot: RunningBot):
    ana = Person(bot, 5113)
    await set_up(ana)
    await ana.send("/mood")
    replies = await ana.press("8")
    assert labels_of(replies[-1])[:6] == ["calm", "content", "hopeful", "proud", "relieved", "grateful"]
    await ana.send("calm, proud")
    replies = await ana.press("Skip")
    text = ana.transcript(replies)
    assert "mood 8 out of 10" in text and "/checkin" not in text  # no offer of help for a good mood
    journal = ana.transcript(await ana.send("/journal"))
    assert "8/10 · calm, proud" in journal


async def test_a_low_mood_still_has_the_pleasant_words_after_the_hard_ones(bot: RunningBot):
    ana = Person(bot, 5114)
    await set_up(ana)
    await ana.send("/mood")
    replies = await ana.press("3")
    offered = labels_of(replies[-1])
    assert offered[0] == "anxious" and "relieved" in offered and offered.index("relieved") > offered.index("tired")


async def test_a_thought_record_never_rates_a_pleasant_word_as_distress(bot: RunningBot):
    ana = Person(bot, 5115)
    await set_up(ana)
    replies = await started_thought_record(ana)
    assert "calm" not in labels_of(replies[-1])  # a thought record is about a hard moment
    replies = await ana.send("relieved, anxious")
    text = ana.transcript(replies)
    assert "How strong was the feeling (anxious)" in text and "Which of these feelings" not in text
    ben = Person(bot, 5116, "Ben")
    await set_up(ben)
    await started_thought_record(ben)
    replies = await ben.send("relieved")
    assert "How strong" not in ben.transcript(replies) and "Step 3 of 7" in ben.transcript(replies)


# ------------------------------------------------------------------ eyes, and old photos


@pytest.mark.parametrize(("name", "start"), [("Body scan", "Start the body scan"), ("Leaves on a stream", "Start")])
async def test_the_first_step_says_read_then_close_your_eyes(bot: RunningBot, name: str, start: str):
    ana = Person(bot, 5117)
    await set_up(ana)
    await choose_exercise(ana, name)
    replies = await ana.press(start)
    text = ana.transcript(replies)
    assert "step 1 of" in text and "Read each step, then close your eyes if you like" in text


async def test_old_photos_are_a_step_up_with_a_gentle_note(bot: RunningBot):
    ana = Person(bot, 5118)
    await set_up(ana)
    await ana.send("/plan")
    await ana.press("Something enjoyable")
    assert "Look through some old photos" not in ana.labels()  # not among the easy ones
    await ana.press("A step up ›")
    replies = await ana.press("Look through some old photos")
    text = ana.transcript(replies)
    assert "which day" in text and "sad memories as well as happy ones" in text and "stop whenever you like" in text
