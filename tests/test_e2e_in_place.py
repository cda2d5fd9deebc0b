"""Edit in place, end to end: the real Application over HTTP against the fake Bot API. A tap
on a multi-select, a "What's this?" and a paced exercise's phases change one message and send
none; an edit that changes nothing is quiet, and one that fails is sent as a new message."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram.constants import ParseMode
from telegram.ext import Defaults, ExtBot

from bot.crypto import Cipher
from bot.telegram_adapter import TelegramAdapter
from flows.dialogue.core import Button, Reply
from tests.conftest import set_up, start_guided_breathing, started_thought_record
from tests.e2e import TOKEN, Person, make_config
from tests.fake_telegram import NOT_MODIFIED, FakeTelegram


def labels(message) -> list[str]:
    return [label for row in message.buttons for label, _ in row]


async def tap_whats_this(ana: Person, message_id: int, trap: str) -> list:
    """Tap the "What's this?" beside a trap (every row has one)."""
    message = ana.fake.message(ana.user_id, message_id)
    data = next(row[1][1] for row in message.buttons if row[0][0].removeprefix("✓ ") == trap)
    return await ana._after(ana.fake.press(ana.user_id, message_id, callback_data=data))


async def test_emotion_toggles_edit_the_question_and_send_no_message(bot, fake: FakeTelegram):
    ana = Person(bot, 901)
    await set_up(ana)
    (question,) = await started_thought_record(ana)  # at the emotions
    sent = fake.count("sendMessage", 901)
    assert await ana.press("worried") == []
    assert await ana.press("sad") == []
    assert await ana.press("✓ worried") == []  # changed their mind
    assert fake.count("sendMessage", 901) == sent
    now = fake.message(901, question.message_id)
    assert "Chosen: sad." in now.text and "✓ sad" in labels(now) and "worried" in labels(now)
    assert ["Chosen: worried." in v["text"] for v in now.versions] == [False, True, False]  # as it was
    (following,) = await ana.press("Done")  # moving on is a new message; the old keyboard closes
    assert "How strong was the feeling (sad)" in following.text
    assert fake.message(901, question.message_id).buttons == []


async def test_mood_words_edit_the_question_too(bot, fake: FakeTelegram):
    ana = Person(bot, 902)
    await set_up(ana)
    await ana.send("/mood")
    (question,) = await ana.press("6")
    assert await ana.press("tired") == [] and await ana.press("low") == []
    assert "Chosen: tired, low" in fake.message(902, question.message_id).text
    assert [m.message_id for m in fake.messages(902)][-1] == question.message_id


async def test_traps_whats_this_and_more_edit_one_message(bot, fake: FakeTelegram):
    ana = Person(bot, 903)
    await set_up(ana)
    await started_thought_record(ana, "Quick version")
    (question,) = await ana.send("She's ignoring me, she must be angry with me")
    sent, texts, keyboards = (fake.count(m, 903) for m in ("sendMessage", "editMessageText", "editMessageReplyMarkup"))
    shown = [label for label in labels(question)[::2] if label not in ("More traps", "Not sure", "Done")]
    assert shown[0] == "Mind reading"  # the likeliest for these words
    assert await ana.press("Mind reading") == []  # the words change too ("Not sure is fine too" goes)
    assert fake.count("editMessageText", 903) == texts + 1
    assert await ana.press(shown[1]) == []  # only the buttons change
    assert fake.count("editMessageReplyMarkup", 903) == keyboards + 1 and fake.count("editMessageText", 903) == texts + 1
    assert {"✓ Mind reading", f"✓ {shown[1]}"} <= set(labels(fake.message(903, question.message_id)))
    assert await tap_whats_this(ana, question.message_id, "Mind reading") == []
    assert "Mind reading: " in fake.message(903, question.message_id).text  # the explanation, in the question
    assert await ana.press("More traps") == []
    now = fake.message(903, question.message_id)
    assert "Here are all of them" in now.text and len(labels(now)) > 10 and "✓ Mind reading" in labels(now)
    assert fake.count("sendMessage", 903) == sent
    (following,) = await ana.press("Done")
    assert "Step 4 of 4" in following.text


async def test_a_timed_exercise_is_one_message_that_changes(bot, fake: FakeTelegram):
    ana = Person(bot, 904)
    await set_up(ana)
    await start_guided_breathing(ana)
    exercise = fake.last_message(904)
    assert "round 1 of 4 · step 1 of 4" in exercise.text
    sent = fake.count("sendMessage", 904)
    for _ in range(15):  # box breathing: four rounds of four phases
        (timer,) = [j for j in bot.application.job_queue.jobs() if j.name != "tick"]  # one at a time
        await timer.run(bot.application)  # as the job queue would, four seconds on
    assert fake.count("sendMessage", 904) == sent
    now = fake.message(904, exercise.message_id)
    assert "round 4 of 4 · step 4 of 4" in now.text and len(now.versions) == 15 and "Next" in labels(now)
    (last,) = [j for j in bot.application.job_queue.jobs() if j.name != "tick"]
    await last.run(bot.application)
    assert "How is your mood now?" in fake.last_message(904).text  # the mood after: a new message
    assert fake.message(904, exercise.message_id).buttons == []


async def test_a_message_already_as_wanted_is_left_quietly(bot, fake: FakeTelegram, caplog):
    ana = Person(bot, 905)
    await set_up(ana)
    (question,) = await started_thought_record(ana)  # at the emotions
    sent = fake.count("sendMessage", 905)
    fake.inject_error("editMessageText", 400, description=f"Bad Request: {NOT_MODIFIED}")
    with caplog.at_level(logging.INFO):
        assert await ana.press("worried") == []  # no new message, no apology
    assert fake.count("sendMessage", 905) == sent and fake.requests("editMessageText")[-1]["injected"]
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and r.name.startswith("bot.")]
    assert fake.message(905, question.message_id).buttons  # its keyboard stays


async def test_an_edit_that_changes_nothing_is_no_error(content, tmp_path, key):
    """The fake's own "message is not modified" (not injected) through the adapter's send."""
    with FakeTelegram(token=TOKEN) as fake:
        fake.add_private_chat(906)
        adapter = TelegramAdapter(make_config(fake, tmp_path / "db", key), content, Cipher(key))
        api = ExtBot(TOKEN, base_url=fake.base_url, defaults=Defaults(parse_mode=ParseMode.HTML))
        async with api:
            question = Reply("<b>Pick</b> one", ((Button("A", data="1:a"),),))
            assert await adapter.send(api, 906, [question])
            assert await adapter.send(api, 906, [replace(question, edit="text")], source=1)
            assert await adapter.send(api, 906, [replace(question, edit="buttons")], source=1)
        assert fake.count("sendMessage") == 1 and len(fake.messages(906)) == 1
        refused = [r["response"]["description"] for r in fake.requests() if r["method"].startswith("edit")]
        assert refused == [f"Bad Request: {NOT_MODIFIED}"] * 2


async def test_an_edit_that_fails_is_sent_as_a_new_message(bot, fake: FakeTelegram):
    ana = Person(bot, 907)
    await set_up(ana)
    (question,) = await started_thought_record(ana)  # at the emotions
    fake.inject_error("editMessageText", 400, description="Bad Request: message can't be edited")
    (anew,) = await ana.press("worried")
    assert "Chosen: worried" in anew.text and "✓ worried" in labels(anew)
    assert fake.message(907, question.message_id).buttons == []  # the old buttons would be stale
    assert await ana.press("sad") == []  # the new message is the one that changes now
    assert "Chosen: worried, sad" in fake.message(907, anew.message_id).text


async def test_a_timed_phase_that_cannot_be_edited_goes_on_in_a_new_message(bot, fake: FakeTelegram):
    ana = Person(bot, 908)
    await set_up(ana)
    await start_guided_breathing(ana)
    first = fake.last_message(908)
    fake.inject_error("editMessageText", 400, description="Bad Request: message to edit not found")
    (timer,) = [j for j in bot.application.job_queue.jobs() if j.name != "tick"]
    await timer.run(bot.application)
    second = fake.last_message(908)
    assert second.message_id != first.message_id and "step 2 of 4" in second.text
    (timer,) = [j for j in bot.application.job_queue.jobs() if j.name != "tick"]
    await timer.run(bot.application)  # the next phase edits the new message
    assert fake.last_message(908).message_id == second.message_id
    assert "step 3 of 4" in fake.message(908, second.message_id).text


async def test_a_keyboard_an_edit_brings_back_can_be_closed_again(bot, fake: FakeTelegram):
    """Words typed mid-phase are re-asked below (closing the exercise's keyboard); the timer
    still moves the exercise on in its own message, whose keyboard [Stop] then closes."""
    ana = Person(bot, 909)
    await set_up(ana)
    await start_guided_breathing(ana)
    exercise = fake.last_message(909)
    (asked,) = await ana.send("hello")
    assert "Next" in labels(asked) and fake.message(909, exercise.message_id).buttons == []
    (timer,) = [j for j in bot.application.job_queue.jobs() if j.name != "tick"]
    await timer.run(bot.application)
    assert "step 2 of 4" in fake.message(909, exercise.message_id).text
    assert fake.message(909, asked.message_id).buttons == []  # one open question at a time
    (after,) = await ana._after(fake.press(909, exercise.message_id, text="Stop"))
    assert "How is your mood now?" in after.text
    assert fake.message(909, exercise.message_id).buttons == []
