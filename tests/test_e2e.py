"""End to end: the real PTB Application over real HTTP against the fake Bot API.

Every test ends by checking that the fake answered no error the test did not inject:
anything our bot sends that Telegram would refuse fails the suite.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.logging_setup import setup_logging
from tests.conftest import set_up
from tests.e2e import TOKEN, Person, RunningBot, make_config, running_bot
from tests.fake_telegram import FakeTelegram
from tests.test_storage import database_bytes


@pytest.fixture
def ana(bot: RunningBot) -> Person:
    return Person(bot, 1001, "Ana")


async def test_onboarding_end_to_end(ana: Person, fake: FakeTelegram):
    replies = await ana.send("/start")
    assert "18+" in replies[0].text and replies[0].buttons == [[("Need help now?", "g:crisis")]]
    assert "Step 1 of 4" in replies[1].text
    consent_message = ana.message_with_button("Yes, keep them")
    press = fake.press(ana.user_id, consent_message.message_id, text="Yes, keep them")
    await ana.bot.wait_handled(press)
    assert fake.callback_answer(press) is not None  # the spinner stops
    assert fake.messages(ana.user_id)[consent_message.message_id - 1].reply_markup is None  # closed
    replies = await ana.send("Ireland")  # one time zone: set and said, not asked
    text = ana.transcript(replies)
    assert "Ireland has one time zone" in text and "Which time zone" not in text and "Step 4 of 4" in text
    assert ana.labels().count("No reminder") == 1 and "Skip" not in ana.labels()  # one way out
    replies = await ana.send("8:30pm")
    text = ana.transcript(replies)
    assert "You're all set" in text and "20:30" in text and "Dublin" in text


async def test_commands_are_registered_for_private_chats_and_groups(bot: RunningBot, fake: FakeTelegram, content):
    private = fake.commands("all_private_chats")
    assert [name for name, _ in private] == content.command_names
    assert [name for name, _ in fake.commands("all_group_chats")] == ["crisis"]


async def test_settings_errors_are_specific_and_safe_to_echo(ana: Person):
    await ana.send("/start")
    await ana.press("Yes, keep them")
    replies = await ana.send("<b>Narnia</b> & co")
    assert "“<b>Narnia</b> & co”" in replies[0].text  # shown as typed, escaped in the HTML
    assert "&lt;b&gt;" in replies[0].html
    replies = await ana.send("/timezone Moon/Base")
    assert "couldn't find a time zone called “Moon/Base”" in replies[0].text
    assert "Which country" in replies[-1].text
    replies = await ana.send("/reminder at some point")
    assert "08:30 or 9pm" in replies[0].text


@pytest.mark.parametrize(
    "code, expected",
    [("GB", ["Samaritans", "116 123", "999"]), ("JP", ["0120-279-338", "119"]), ("BR", ["188", "192"])],
)
async def test_crisis_for_a_country(ana: Person, code: str, expected: list[str]):
    replies = await ana.send(f"/crisis {code}")
    for fragment in expected:
        assert fragment in replies[0].text
    assert "Numbers checked" in replies[0].text


async def test_crisis_for_an_unknown_country_offers_the_world_and_buttons(ana: Person):
    replies = await ana.send("/crisis Atlantis")
    text = replies[0].text
    assert "“Atlantis”" in text and "Find A Helpline" in text and "local emergency number" in text
    assert "/country" in text
    replies = await ana.press("South Africa")
    assert "0800 567 567" in replies[0].text


async def test_crisis_inside_a_flow_keeps_the_flow(ana: Person):
    await ana.send("/start")
    await ana.press("Yes, keep them")
    await ana.press("Ireland")
    replies = await ana.send("/crisis")
    assert "116 123" in replies[0].text and "What time would you like" in replies[-1].text
    replies = await ana.press("20:00")
    assert "You're all set" in ana.transcript(replies)


async def test_cancel_ends_the_flow(ana: Person, bot: RunningBot):
    await ana.send("/start")
    await ana.press("Yes, keep them")
    replies = await ana.send("/cancel")
    assert "Stopped" in replies[0].text
    replies = await ana.send("Portugal")  # no longer an answer to anything
    assert "/help" in replies[0].text
    assert (await bot.telegram_bot.storage.load(ana.user_id, ana.user_id)).settings.country is None


async def test_a_stale_keyboard_is_answered_kindly(fake, config, content):
    async with running_bot(fake, config, content) as first:
        ana = Person(first, 1001)
        await ana.send("/settings")
    async with running_bot(fake, config, content) as second:  # a restart forgets open keyboards
        ana.bot = second
        await ana.send("/start")
        replies = await ana.press("Done")  # the settings menu's keyboard, from a flow that was left
        assert "earlier question" in replies[0].text and "Step 1 of 4" in replies[-1].text


async def test_a_restart_in_the_middle_of_a_flow_continues_it(fake, config, content):
    async with running_bot(fake, config, content) as first:
        ana = Person(first, 1001)
        await ana.send("/start")
        await ana.press("Yes, keep them")
    async with running_bot(fake, config, content) as second:
        ana.bot = second
        replies = await ana.send("New Zealand")
        assert "Which time zone" in replies[0].text
        await ana.press("Auckland")
        await ana.press("No reminder")
        assert "Auckland" in ana.transcript()


async def test_a_429_on_a_reply_still_delivers_it_once(ana: Person, fake: FakeTelegram):
    fake.inject_error("sendMessage", status=429, retry_after=1, chat_id=ana.user_id)
    replies = await ana.send("/help")
    assert len(replies) == 1 and "/crisis" in replies[0].text
    statuses = [r["status"] for r in fake.requests("sendMessage")]
    assert statuses == [429, 200]


async def test_flood_control_429_is_retried_by_the_rate_limiter(db_path, key, content):
    now = [0.0]  # the fake's flood windows run on this clock: no second passes until the test says so
    with FakeTelegram(token=TOKEN, flood_control=True, clock=lambda: now[0]) as fake:
        async with running_bot(fake, make_config(fake, db_path, key), content) as bot:
            ana = Person(bot, 1001)
            await ana.send("/help")
            await ana.send("/help")  # two messages to Ana within the second: Telegram's burst
            third = asyncio.create_task(ana.send("/help"))
            await fake.await_for(fake.flood_refusals, what="a 429 from flood control")
            now[0] += 1.0  # the first two leave the window while AIORateLimiter waits retry_after
            replies = await third
        assert len(replies) == 1 and "/crisis" in replies[0].text
        assert [r["status"] for r in fake.requests("sendMessage")] == [200, 200, 429, 200]
        refusal = fake.requests("sendMessage")[2]
        assert refusal["flood"] and refusal["response"] == {
            "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1}}
        assert fake.flood_refusals() == 1 and fake.unexpected_errors() == []
        first, second, retried = fake.send_times(ana.user_id)
        assert retried - refusal["at"] >= 1.0  # the limiter waited retry_after before trying again


async def test_blocking_marks_inactive_and_a_later_message_reactivates(ana: Person, bot: RunningBot, fake):
    storage = bot.telegram_bot.storage
    await ana.send("/start")
    await bot.wait_handled(fake.block(ana.user_id))
    assert await storage.is_active(ana.user_id) is False
    await bot.wait_handled(fake.unblock(ana.user_id))
    assert await storage.is_active(ana.user_id) is True
    fake.inject_error("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
    await ana.send("/help")
    assert await storage.is_active(ana.user_id) is False
    replies = await ana.send("/help")
    assert replies and await storage.is_active(ana.user_id) is True


async def test_group_chats_point_to_a_private_chat_and_still_answer_crisis(bot: RunningBot, fake: FakeTelegram):
    fake.add_private_chat(2002)
    fake.add_group_chat(-500, "Book club")
    await bot.wait_handled(fake.send_text(2002, "/start@CBTCompanionTestBot", chat_id=-500))
    reply = fake.messages(-500)[-1]
    assert "private chats" in reply.text
    assert reply.buttons == [[("Open a private chat", "https://t.me/CBTCompanionTestBot")]]
    await bot.wait_handled(fake.send_text(2002, "/crisis IE", chat_id=-500))
    assert "116 123" in fake.messages(-500)[-1].text
    await bot.wait_handled(fake.send_text(2002, "/crisis", chat_id=-500))
    fallback = fake.messages(-500)[-1]
    await bot.wait_handled(fake.press(2002, fallback.message_id, text="Canada", chat_id=-500))
    assert "988" in fake.messages(-500)[-1].text
    await bot.wait_handled(fake.send_text(2002, "anyone around?", chat_id=-500))
    assert len(fake.messages(-500)) == 4  # chatter in the group gets no reply
    assert await bot.telegram_bot.storage.is_active(2002) is None  # nothing stored


async def test_edits_stickers_photos_and_voice_notes_get_a_reply(ana: Person, bot: RunningBot, fake):
    await ana.send("/start")
    await bot.wait_handled(fake.edit_text(ana.user_id, 1, "yes"))
    assert "send it again" in fake.messages(ana.user_id)[-1].text
    await bot.wait_handled(fake.send_voice(ana.user_id))
    assert "voice notes" in fake.messages(ana.user_id)[-2].text
    await bot.wait_handled(fake.send_sticker(ana.user_id))
    assert "sticker" in fake.messages(ana.user_id)[-2].text
    await bot.wait_handled(fake.send_photo(ana.user_id, caption="my view"))
    assert "Step 1 of 4" in fake.messages(ana.user_id)[-1].text


async def test_a_very_long_message_is_refused_once(ana: Person):
    await ana.send("/start")
    await ana.press("Yes, keep them")
    replies = await ana.send("word " * 819)  # 4095 characters: Telegram's longest
    assert "longer than I can take" in replies[0].text
    assert await ana.send("the rest of the paste") == []


async def test_the_database_holds_none_of_the_words_typed(ana: Person, config):
    await set_up(ana, "Portugal", consent="No, don't keep them", timezone="Lisbon", reminder="21:45")
    await ana.send("/mood")
    await ana.press("4")
    await ana.press("anxious")
    await ana.press("Done")
    await ana.send("the meeting with Brunhilde")
    on_disk = database_bytes(config.database_path)
    assert config.database_path.with_name(config.database_path.name + "-wal").exists()
    # Scheduled rows keep their UTC time in the clear (the daily prompt's "21:45" in
    # Lisbon's winter) by design: only ids, kinds and times may be read by SQL.
    for typed in (b"Portugal", b"Lisbon", b'"PT"', b'"country":', b"Brunhilde", b"anxious", b'"score"'):
        assert typed not in on_disk


async def test_logs_hold_no_message_text_and_no_token(fake, config, content, caplog):
    setup_logging("DEBUG")
    caplog.set_level(logging.DEBUG)
    async with running_bot(fake, config, content) as bot:
        ana = Person(bot, 1001)
        await set_up(ana, "Ireland", timezone="Dublin", reminder="8:30pm")
        await ana.send("my secret worry about Zanzibar")
        fake.inject_error("sendMessage", status=500, description="Internal Server Error")
        await ana.send("/help")  # an error: logged by type, with an apology
    assert "something went wrong" in ana.transcript()
    logged = caplog.text
    assert "NetworkError" in logged or "Internal Server Error" in logged  # the error was logged
    for private in ("Zanzibar", "Ireland", "8:30pm", "secret worry", TOKEN, TOKEN.split(":")[1]):
        assert private not in logged


async def test_a_reply_telegram_refuses_as_html_is_resent_as_plain_text(ana: Person, fake: FakeTelegram):
    fake.inject_error(
        "sendMessage", status=400, description="Bad Request: can't parse entities: Unsupported start tag"
    )
    replies = await ana.send("/crisis GB")
    assert len(replies) == 1 and "116 123" in replies[0].text
    sent = fake.requests("sendMessage")
    assert [r["status"] for r in sent] == [400, 200]
    assert sent[1]["params"].get("parse_mode") is None and "<b>" not in sent[1]["params"]["text"]


async def test_a_double_tap_is_answered_kindly_not_with_an_error(ana: Person, fake: FakeTelegram, bot):
    await ana.send("/start")
    consent = ana.message_with_button("Yes, keep them")
    first = fake.press(ana.user_id, consent.message_id, text="Yes, keep them")
    second = fake.press(ana.user_id, consent.message_id, text="Yes, keep them")  # before the first closes it
    await bot.wait_handled(first)
    await bot.wait_handled(second)
    text = ana.transcript()
    assert "something went wrong" not in text and "earlier question" in text
    assert text.count("Which country") == 2  # asked, then asked again after the stale tap


async def test_a_press_telegram_calls_too_old_still_gets_its_reply(ana: Person, fake: FakeTelegram):
    await ana.send("/start")
    fake.inject_error(
        "answerCallbackQuery", status=400,
        description="Bad Request: query is too old and response timeout expired or query ID is invalid",
    )
    replies = await ana.press("Yes, keep them")
    assert "Which country" in ana.transcript(replies) and "something went wrong" not in ana.transcript(replies)


async def test_an_error_while_replying_apologises_and_picks_up_the_question(ana: Person, fake: FakeTelegram, bot):
    await ana.send("/start")
    fake.inject_error("sendMessage", status=500, description="Internal Server Error", times=1)
    replies = await ana.press("Yes, keep them")
    text = ana.transcript(replies)
    assert "something went wrong" in text and "/crisis" in text and "Which country" in text
    replies = await ana.send("Ireland")  # the answer was kept: this answers the next question
    assert "Ireland has one time zone" in ana.transcript(replies)


async def test_start_during_settings_welcomes_back_and_keeps_the_question(ana: Person):
    await set_up(ana, "Ireland", timezone="Dublin", reminder="8:30pm")
    await ana.send("/settings")
    await ana.press("Country: Ireland")
    replies = await ana.send("/start")
    text = ana.transcript(replies)
    assert "Welcome back" in text and "Which country" in text
    replies = await ana.send("Japan")
    assert "Country set to Japan" in ana.transcript(replies)


async def test_a_typed_answer_closes_the_question_keyboard(ana: Person, fake: FakeTelegram):
    await ana.send("/start")
    await ana.press("Yes, keep them")
    country_question = ana.message_with_button("Skip")
    await ana.send("/help")  # the question is asked again: only the newest keyboard stays open
    assert fake.message(ana.user_id, country_question.message_id).reply_markup is None
    await ana.send("Canada")
    assert [m.message_id for m in fake.messages(ana.user_id) if m.reply_markup][-1] == fake.messages(ana.user_id)[-1].message_id
    welcome = fake.messages(ana.user_id)[0]
    assert welcome.buttons == [[("Need help now?", "g:crisis")]]  # always there


async def test_closing_the_answered_keyboard_never_holds_the_reply_back(ana: Person, fake: FakeTelegram):
    """The reply goes first and the answered question's keyboard closes after it: with
    Telegram far away each request is a round trip, and the person waits only for the reply."""
    await ana.send("/start")
    await ana.press("Yes, keep them")
    question = ana.message_with_button("Skip")
    fake.latency = 0.3  # every call now takes this long to reach Telegram
    await ana.send("Canada")
    closed = await fake.await_for(
        lambda: [r for r in fake.requests("editMessageReplyMarkup") if r["params"].get("message_id") == question.message_id]
    )
    reply = fake.requests("sendMessage")[-1]
    assert closed[0]["at"] - reply["at"] >= 0.25  # sent only once the reply had arrived
    assert fake.message(ana.user_id, question.message_id).reply_markup is None
