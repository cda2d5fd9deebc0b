"""The fake Telegram server answers and refuses the way Telegram does (driven with PTB's Bot)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio
from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, InlineKeyboardButton
from telegram import InlineKeyboardMarkup as Markup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter

from tests.fake_telegram import FakeTelegram

TOKEN = "123:ABC"
ANA = 42


def keyboard(*rows: list[tuple[str, str]]) -> Markup:
    return Markup([[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows])


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        server.add_private_chat(ANA, first_name="Ana")
        yield server


@pytest_asyncio.fixture
async def bot(fake):
    bot = Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url)
    await bot.initialize()
    yield bot
    await bot.shutdown()


async def refused(call, error=BadRequest) -> str:
    with pytest.raises(error) as caught:
        await call
    return caught.value.message


# ------------------------------------------------------------------ envelope and routing

@pytest.mark.asyncio
async def test_get_me_describes_the_bot(bot, fake):
    assert bot.username == "CBTCompanionTestBot"
    assert bot.bot.is_bot and bot.bot.can_join_groups
    assert fake.requests("getMe")[0]["status"] == 200


@pytest.mark.asyncio
async def test_unknown_token_and_method_use_telegrams_envelope(fake):
    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"{fake.base_url}999:XYZ/getMe")
        missing = await client.post(f"{fake.base_url}{TOKEN}/sendTelepathy")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert missing.status_code == 404
    assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    with pytest.raises(InvalidToken):
        await Bot("999:XYZ", base_url=fake.base_url).get_me()


# ------------------------------------------------------------------ sendMessage and HTML

@pytest.mark.asyncio
async def test_message_keeps_raw_html_visible_text_and_buttons(bot, fake):
    sent = await bot.send_message(ANA, "<b>Hi</b> &lt;you&gt; &amp; me &#39;x&#x27;",
                                  parse_mode=ParseMode.HTML, reply_markup=keyboard([("Yes", "y"), ("No", "n")]))
    stored = fake.last_message(ANA)
    assert stored.html == "<b>Hi</b> &lt;you&gt; &amp; me &#39;x&#x27;"
    assert stored.text == sent.text == "Hi <you> & me 'x'"
    assert stored.entities == [{"type": "bold", "offset": 0, "length": 2}]
    assert stored.buttons == [[("Yes", "y"), ("No", "n")]]
    assert sent.reply_markup.inline_keyboard[0][1].callback_data == "n"
    assert fake.requests("sendMessage")[0]["params"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Yes"


@pytest.mark.asyncio
async def test_length_is_counted_after_html_parsing_in_utf16_units(bot, fake):
    await bot.send_message(ANA, "<b>" + "a" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    assert len(fake.last_message(ANA).text) == 4096
    assert await refused(bot.send_message(ANA, "<i>" + "a" * 4097 + "</i>", parse_mode=ParseMode.HTML)) \
        == "Message is too long"
    assert await refused(bot.send_message(ANA, "😀" * 2049)) == "Message is too long"  # 4098 units


@pytest.mark.asyncio
@pytest.mark.parametrize("text, expected", [
    ("Tom & Jerry", "Can't parse entities: character entity expected at byte offset 4"),
    ("<foo>x</foo>", 'Can\'t parse entities: unsupported start tag "foo" at byte offset 0'),
    ("héllo <br>", 'Can\'t parse entities: unsupported start tag "br" at byte offset 7'),
    ("1 < 2", 'Can\'t parse entities: unsupported start tag "" at byte offset 2'),
    ("<b>bold", 'Can\'t parse entities: can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>x</b></i>", 'Can\'t parse entities: unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("x</b>", "Can't parse entities: unexpected end tag at byte offset 1"),
    ("text <b", "Can't parse entities: unclosed start tag at byte offset 5"),
    ('<span class="x">s</span>', 'Can\'t parse entities: tag "span" must have class "tg-spoiler" at byte offset 0'),
    ('<a href="javascript:alert(1)">x</a>',
     'Can\'t parse entities: url "javascript:alert(1)" is invalid: unsupported url protocol'),
])
async def test_html_telegram_cannot_parse_is_refused(bot, fake, text, expected):
    # PTB capitalises the first letter and the test compares case-insensitively below.
    assert (await refused(bot.send_message(ANA, text, parse_mode=ParseMode.HTML))).lower() == expected.lower()
    assert fake.messages(ANA) == []


@pytest.mark.asyncio
async def test_all_supported_tags_parse(bot, fake):
    html = ('<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike>'
            '<del>d</del><span class="tg-spoiler">p</span><tg-spoiler>q</tg-spoiler>'
            '<a href="https://example.org/?a=1&b=2">link</a><a href="tg://user?id=42">Ana</a>'
            '<code>c</code><pre><code class="language-python">x = 1</code></pre>'
            '<blockquote expandable>quote</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>')
    await bot.send_message(ANA, html, parse_mode=ParseMode.HTML)
    stored = fake.last_message(ANA)
    assert stored.text == "bsieunskdpqlinkAnacx = 1quote👍"
    kinds = [e["type"] for e in stored.entities]
    assert kinds.count("bold") == 2 and "expandable_blockquote" in kinds and "custom_emoji" in kinds
    assert {"type": "pre", "offset": 19, "length": 5, "language": "python"} in stored.entities
    assert any(e.get("url") == "https://example.org/?a=1&b=2" for e in stored.entities)


@pytest.mark.asyncio
async def test_plain_text_is_not_parsed_and_lenient_ampersand_is_optional(bot, fake):
    await bot.send_message(ANA, "<b> & not html")
    assert fake.last_message(ANA).text == "<b> & not html"
    fake.strict_ampersand = False  # what Telegram itself does: show it literally
    await bot.send_message(ANA, "Tom & Jerry &nbsp;", parse_mode=ParseMode.HTML)
    assert fake.last_message(ANA).text == "Tom & Jerry &nbsp;"


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["", "   \n ", "<b> </b>"])
async def test_empty_text_is_refused(bot, text):
    assert await refused(bot.send_message(ANA, text, parse_mode=ParseMode.HTML)) == "Message text is empty"


@pytest.mark.asyncio
async def test_unknown_chat_is_not_found(bot):
    assert await refused(bot.send_message(7, "hello")) == "Chat not found"


# ------------------------------------------------------------------ keyboards

@pytest.mark.asyncio
async def test_callback_data_is_limited_to_64_bytes(bot, fake):
    await bot.send_message(ANA, "ok", reply_markup=keyboard([("x", "é" * 32)]))  # 64 bytes
    message = await refused(bot.send_message(ANA, "no", reply_markup=keyboard([("x", "é" * 32 + "a")])))
    assert message == "Button_data_invalid"  # PTB capitalises Telegram's BUTTON_DATA_INVALID
    assert fake.unexpected_errors()[0]["response"]["description"] == "Bad Request: BUTTON_DATA_INVALID"


@pytest.mark.asyncio
async def test_tel_url_button_is_refused(bot, fake):
    markup = Markup([[InlineKeyboardButton("Call", url="tel:+441234567")]])
    await refused(bot.send_message(ANA, "help", reply_markup=markup))
    assert fake.unexpected_errors()[0]["response"]["description"] == (
        "Bad Request: inline keyboard button URL 'tel:+441234567' is invalid: unsupported URL protocol")


@pytest.mark.asyncio
async def test_keyboard_shape_limits(fake):
    async with httpx.AsyncClient() as client:
        async def send(markup):
            response = await client.post(f"{fake.base_url}{TOKEN}/sendMessage",
                                         json={"chat_id": ANA, "text": "x", "reply_markup": markup})
            return response.json().get("description")

        nine = [[{"text": str(i), "callback_data": str(i)} for i in range(9)]]
        assert await send({"inline_keyboard": nine}) == "Bad Request: REPLY_MARKUP_TOO_LONG"
        assert "Text buttons are unallowed" in await send({"inline_keyboard": [[{"text": "x"}]]})
        assert "exactly one" in await send({"inline_keyboard": [[{"text": "x", "callback_data": "a",
                                                                   "url": "https://a.org"}]]})
        assert await send({"inline_keyboard": [[{"text": "x", "callback_data": ""}]]}) == \
            "Bad Request: BUTTON_DATA_INVALID"


# ------------------------------------------------------------------ edits and callbacks

@pytest.mark.asyncio
async def test_edits_apply_and_unchanged_edits_are_refused(bot, fake):
    sent = await bot.send_message(ANA, "<b>Q1</b>", parse_mode=ParseMode.HTML,
                                  reply_markup=keyboard([("A", "a")]))
    same = bot.edit_message_text("<b>Q1</b>", ANA, sent.message_id, parse_mode=ParseMode.HTML,
                                 reply_markup=keyboard([("A", "a")]))
    assert (await refused(same)).startswith("Message is not modified: specified new message content")
    await bot.edit_message_text("<i>Q1</i>", ANA, sent.message_id, parse_mode=ParseMode.HTML,
                                reply_markup=keyboard([("A", "a")]))  # entities differ: modified
    await bot.edit_message_reply_markup(ANA, sent.message_id, reply_markup=None)
    stored = fake.last_message(ANA)
    assert (stored.html, stored.text, stored.buttons) == ("<i>Q1</i>", "Q1", [])
    again = bot.edit_message_reply_markup(ANA, sent.message_id, reply_markup=None)
    assert (await refused(again)).startswith("Message is not modified")
    assert await refused(bot.edit_message_text("x", ANA, 999)) == "Message to edit not found"


@pytest.mark.asyncio
async def test_edit_without_markup_removes_the_keyboard(bot, fake):
    sent = await bot.send_message(ANA, "Q", reply_markup=keyboard([("A", "a")]))
    await bot.edit_message_text("Q?", ANA, sent.message_id)
    assert fake.last_message(ANA).buttons == []


@pytest.mark.asyncio
async def test_an_edit_names_a_bots_message_in_that_chat(bot, fake):
    fake.add_private_chat(43, first_name="Bo")
    sent = await bot.send_message(ANA, "Q", reply_markup=keyboard([("A", "a")]))
    assert await refused(bot.edit_message_text("Q?", 43, sent.message_id)) == "Message to edit not found"
    fake.send_text(ANA, "hello")  # the person's own message
    mine = fake.messages(ANA, include_user=True)[-1]
    assert await refused(bot.edit_message_text("x", ANA, mine.message_id)) == "Message can't be edited"
    assert fake.message(ANA, sent.message_id).text == "Q" and fake.count("editMessageText") == 0


@pytest.mark.asyncio
async def test_an_edit_obeys_the_rules_of_a_sent_message(bot, fake):
    sent = await bot.send_message(ANA, "Q", reply_markup=keyboard([("A", "a")]))

    def edit(text: str, markup: Markup | None = None):
        return bot.edit_message_text(text, ANA, sent.message_id, parse_mode=ParseMode.HTML, reply_markup=markup)

    assert (await refused(edit("<b>x"))).startswith("Can't parse entities")
    assert (await refused(edit("<b>" + "x" * 4097 + "</b>"))) == "Message is too long"
    await edit("<b>" + "x" * 4096 + "</b>")  # 4096 once the tags are gone
    assert await refused(edit("Q", keyboard([("A", "a" * 65)]))) == "Button_data_invalid"
    assert await refused(bot.edit_message_reply_markup(ANA, sent.message_id,
                                                       reply_markup=keyboard([("A", "é" * 33)]))) == "Button_data_invalid"
    assert fake.message(ANA, sent.message_id).text == "x" * 4096


@pytest.mark.asyncio
async def test_an_edit_carries_only_an_inline_keyboard(fake):
    async with httpx.AsyncClient() as client:
        await client.post(f"{fake.base_url}{TOKEN}/sendMessage", json={"chat_id": ANA, "text": "Q"})
        answer = await client.post(f"{fake.base_url}{TOKEN}/editMessageText", json={
            "chat_id": ANA, "message_id": 1, "text": "Q?", "reply_markup": {"keyboard": [[{"text": "A"}]]}})
    assert answer.json() == {"ok": False, "error_code": 400, "description": "Bad Request: inline keyboard expected"}


@pytest.mark.asyncio
async def test_edits_keep_earlier_versions_and_a_press_sees_the_message_as_it_is(bot, fake):
    sent = await bot.send_message(ANA, "Pick", reply_markup=keyboard([("A", "1:a")]))
    await bot.edit_message_reply_markup(ANA, sent.message_id, reply_markup=keyboard([("✓ A", "2:a")]))
    await bot.edit_message_text("Picked A", ANA, sent.message_id, reply_markup=keyboard([("✓ A", "3:a")]))
    now = fake.message(ANA, sent.message_id)
    assert (now.text, now.buttons) == ("Picked A", [[("✓ A", "3:a")]]) and now.edit_date
    assert [(v["text"], v["reply_markup"]["inline_keyboard"][0][0]["text"]) for v in now.versions] == \
        [("Pick", "A"), ("Pick", "✓ A")]
    assert fake.count("sendMessage", ANA) == 1 and len(fake.messages(ANA)) == 1
    assert fake.count("editMessageText", ANA) == fake.count("editMessageReplyMarkup", ANA) == 1
    [update] = await bot.get_updates(offset=fake.press(ANA, sent.message_id, text="✓ A"))
    assert update.callback_query.message.text == "Picked A" and update.callback_query.data == "3:a"


@pytest.mark.asyncio
async def test_press_needs_a_current_button_and_queries_are_answered_once(bot, fake):
    sent = await bot.send_message(ANA, "Mood?", reply_markup=keyboard([("Good", "mood:good")]))
    with pytest.raises(AssertionError, match="no button 'mood:bad'"):
        fake.press(ANA, sent.message_id, callback_data="mood:bad")
    update_id = fake.press(ANA, sent.message_id, text="Good")
    [update] = await bot.get_updates(offset=update_id)
    assert update.callback_query.data == "mood:good"
    assert update.callback_query.message.message_id == sent.message_id
    assert await update.callback_query.answer(text="Noted") is True
    assert fake.callback_answer(update_id) == {"text": "Noted"}
    assert (await refused(update.callback_query.answer())).startswith("Query is too old")
    await bot.edit_message_reply_markup(ANA, sent.message_id, reply_markup=None)
    with pytest.raises(AssertionError):
        fake.press(ANA, sent.message_id, callback_data="mood:good")  # the keyboard is gone


@pytest.mark.asyncio
async def test_callback_answer_text_is_limited(bot, fake):
    sent = await bot.send_message(ANA, "Q", reply_markup=keyboard([("A", "a")]))
    fake.press(ANA, sent.message_id, callback_data="a")
    [update] = await bot.get_updates()
    assert await refused(update.callback_query.answer(text="x" * 201)) == "Message_too_long"


# ------------------------------------------------------------------ failures

@pytest.mark.asyncio
async def test_injected_429_raises_retry_after(bot, fake):
    fake.inject_error("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ANA, "hello")
    assert caught.value.retry_after in (3, timedelta(seconds=3))  # int until PTB_TIMEDELTA
    assert caught.value.message == "Flood control exceeded. Retry in 3 seconds"
    await bot.send_message(ANA, "hello")  # only once
    [failed, ok] = fake.requests("sendMessage")
    assert failed["injected"] and failed["response"]["parameters"] == {"retry_after": 3}
    assert ok["status"] == 200 and fake.unexpected_errors() == []


@pytest.mark.asyncio
async def test_injected_403_and_500_respect_the_chat_filter(bot, fake):
    fake.add_private_chat(43, first_name="Ben")
    fake.inject_error("sendMessage", status=403, chat_id=43)
    await bot.send_message(ANA, "not affected")
    assert await refused(bot.send_message(43, "hi"), Forbidden) == "Forbidden: bot was blocked by the user"
    fake.inject_error("sendChatAction", status=500)
    with pytest.raises(Exception, match="Internal Server Error"):
        await bot.send_chat_action(ANA, "typing")
    assert fake.unexpected_errors() == []


@pytest.mark.asyncio
async def test_blocking_forbids_sends_and_reports_my_chat_member(bot, fake):
    update_id = fake.block(ANA)
    assert await refused(bot.send_message(ANA, "hi"), Forbidden) == "Forbidden: bot was blocked by the user"
    [update] = await bot.get_updates(offset=update_id)
    assert update.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(AssertionError):
        fake.send_text(ANA, "hi")
    fake.unblock(ANA)
    await bot.send_message(ANA, "welcome back")
    assert [e["response"]["description"] for e in fake.unexpected_errors()] == [
        "Forbidden: bot was blocked by the user"]


# ------------------------------------------------------------------ updates

@pytest.mark.asyncio
async def test_long_poll_returns_as_soon_as_an_update_arrives(bot, fake):
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.await_for(lambda: fake.pending_polls)
    update_id = fake.send_text(ANA, "/start@CBTCompanionTestBot now")
    [update] = await poll
    assert time.monotonic() - started < 1.5
    assert update.update_id == update_id and update.message.chat.id == ANA
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/start@CBTCompanionTestBot")
    assert not fake.updates_confirmed(update_id)
    assert await bot.get_updates(offset=update_id + 1) == ()
    assert fake.updates_confirmed(update_id)


@pytest.mark.asyncio
async def test_a_newer_poll_ends_the_waiting_one(bot, fake):
    async with httpx.AsyncClient() as client:  # an older poll, e.g. from a second bot instance
        first = asyncio.create_task(client.post(f"{fake.base_url}{TOKEN}/getUpdates", data={"timeout": 5}))
        await fake.await_for(lambda: fake.pending_polls == 1)
        second = asyncio.create_task(bot.get_updates(timeout=5))
        assert (await first).json() == {"ok": True, "result": []}
    update_id = fake.send_text(ANA, "hello")
    assert [u.update_id for u in await second] == [update_id]


@pytest.mark.asyncio
async def test_allowed_updates_is_remembered_and_limit_applies(bot, fake):
    first = fake.send_text(ANA, "one")
    fake.send_text(ANA, "two")
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [first]
    await bot.get_updates(offset=first + 1, allowed_updates=["callback_query"], timeout=0)
    assert fake.dropped_updates == [first + 1]
    fake.send_sticker(ANA)
    fake.send_photo(ANA, caption="me")
    fake.send_voice(ANA)
    assert await bot.get_updates() == ()  # still only callback queries
    updates = await bot.get_updates(allowed_updates=[])  # back to the default set
    assert updates == ()  # the media updates were dropped while filtered
    edit = fake.edit_text(ANA, 1, "one!")
    [update] = await bot.get_updates()
    assert update.update_id == edit and update.edited_message.text == "one!"


@pytest.mark.asyncio
async def test_user_media_updates_carry_files(bot, fake):
    fake.send_sticker(ANA, emoji="🐢")
    fake.send_photo(ANA, caption="me")
    fake.send_voice(ANA, duration=4)
    sticker, photo, voice = [u.message for u in await bot.get_updates()]
    assert sticker.sticker.emoji == "🐢" and sticker.sticker.file_id
    assert photo.caption == "me" and photo.photo[-1].width == 800
    assert voice.voice.to_dict()["duration"] == 4 and voice.voice.mime_type == "audio/ogg"
    assert [m.message_id for m in fake.messages(ANA, include_user=True)] == [1, 2, 3]


# ------------------------------------------------------------------ files, commands, waiting

@pytest.mark.asyncio
async def test_documents_and_photos_keep_bytes_and_filename(bot, fake):
    data = bytes(range(256)) + b"\r\n\r\n--boundary\n" * 3
    sent = await bot.send_document(ANA, data, filename="Дневник.csv", caption="<b>Your diary</b>",
                                   parse_mode=ParseMode.HTML)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    await bot.send_photo(ANA, png, caption="chart")
    document, photo = fake.messages(ANA)
    assert document.document["data"] == data and document.document["file_name"] == "Дневник.csv"
    assert sent.document.file_name == "Дневник.csv" and sent.caption == "Your diary"
    assert document.caption == "Your diary" and document.html == "<b>Your diary</b>"
    assert photo.photo["data"] == png
    await bot.send_document(ANA, sent.document.file_id)  # resend by file_id
    assert await refused(bot.send_photo(ANA, b"not an image")) == "Image_process_failed"
    too_long = bot.send_document(ANA, b"x", caption="<b>" + "c" * 1025 + "</b>", parse_mode=ParseMode.HTML)
    assert await refused(too_long) == "Message caption is too long"


@pytest.mark.asyncio
async def test_commands_are_validated_and_stored_per_scope(bot, fake):
    commands = [BotCommand("start", "Begin"), BotCommand("mood_log", "Log your mood")]
    await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats())
    assert fake.commands("all_private_chats") == [("start", "Begin"), ("mood_log", "Log your mood")]
    assert fake.commands() == []
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == tuple(commands)
    assert await refused(bot.set_my_commands([BotCommand("Start", "x")])) == "Bot_command_invalid"
    assert await refused(bot.set_my_commands([BotCommand("/start", "x")])) == "Bot_command_invalid"
    assert await refused(bot.set_my_commands([BotCommand("a", "")])) == "Bot_command_description_invalid"
    many = [BotCommand(f"c{i}", "d") for i in range(101)]
    assert await refused(bot.set_my_commands(many)) == "Bot_commands_too_much"
    await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert fake.commands("all_private_chats") == []


@pytest.mark.asyncio
async def test_webhook_blocks_polling_until_deleted(bot, fake):
    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Exception, match="webhook is active"):
        await bot.get_updates()
    fake.send_text(ANA, "lost")
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


@pytest.mark.asyncio
async def test_a_taken_update_is_the_webhook_json_and_never_served(bot, fake):
    first, second = fake.send_text(ANA, "/start"), fake.send_text(ANA, "kept")
    update = fake.take_update(first)
    assert update["update_id"] == first and update["message"]["text"] == "/start"
    assert update["message"]["entities"][0]["type"] == "bot_command"
    assert [u.update_id for u in await bot.get_updates()] == [second]
    with pytest.raises(AssertionError, match="not queued"):
        fake.take_update(first)


@pytest.mark.asyncio
async def test_each_client_url_is_answered_and_named_in_the_log(fake):
    for client in ("a", "b"):
        bot = Bot(TOKEN, base_url=fake.client_url(client))
        await bot.initialize()
        await bot.send_message(ANA, f"from {client}")
        await bot.shutdown()
    await Bot(TOKEN, base_url=fake.base_url).get_me()
    assert [(r["method"], r["client"]) for r in fake.requests()] == [
        ("getMe", "a"), ("sendMessage", "a"), ("getMe", "b"), ("sendMessage", "b"), ("getMe", None)]
    assert [m.text for m in fake.messages(ANA)] == ["from a", "from b"]


def test_wait_for_times_out_with_the_last_requests(fake):
    with pytest.raises(AssertionError, match="timed out after 0.05s waiting for a reply"):
        fake.wait_for(lambda: fake.messages(ANA), timeout=0.05, what="a reply")


# ------------------------------------------------------------------ latency and flood control

class Clock:
    """A clock a test moves by hand, for the flood-control windows."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def post(client: httpx.AsyncClient, fake: FakeTelegram, method: str, **params) -> httpx.Response:
    return await client.post(f"{fake.base_url}{TOKEN}/{method}", json=params)


async def timed_sends(fake: FakeTelegram, chats: list[int]) -> tuple[float, list[float], list[httpx.Response]]:
    """One sendMessage to each chat, all at once, each on its own connection: (the whole
    time, each call's time, the answers)."""
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=len(chats))) as client:
        async def one(chat: int) -> tuple[float, httpx.Response]:
            started = time.monotonic()
            answer = await post(client, fake, "sendMessage", chat_id=chat, text="hi")
            return time.monotonic() - started, answer

        started = time.monotonic()
        results = await asyncio.gather(*(one(chat) for chat in chats))
        return time.monotonic() - started, [t for t, _ in results], [a for _, a in results]


@pytest.mark.asyncio
async def test_latency_delays_every_call_and_calls_overlap():
    with FakeTelegram(token=TOKEN, latency=0.2) as fake:
        chats = list(range(1, 11))
        for chat in chats:
            fake.add_private_chat(chat)
        async with httpx.AsyncClient() as client:
            poll = asyncio.create_task(post(client, fake, "getUpdates", timeout=0))
            started = time.time()
            total, each, answers = await timed_sends(fake, chats)
            assert (await poll).json() == {"ok": True, "result": []}
    assert all(a.status_code == 200 for a in answers)
    assert min(each) >= 0.2  # every call waits the latency...
    assert total < 1.0  # ...at the same time as the others (one after another: 2 s)
    sends = fake.requests("sendMessage")
    assert min(r["at"] for r in sends) >= started + 0.2  # stamped when it arrives, after the delay
    [poll_request] = fake.requests("getUpdates")
    assert poll_request["at"] < started + 0.2  # a poll is answered without the delay


@pytest.mark.asyncio
async def test_a_burst_of_40_new_connections_is_served_at_once():
    # socketserver's listen backlog of 5 refuses or delays (by a second) most of such a burst.
    with FakeTelegram(token=TOKEN, latency=0.2) as fake:
        chats = list(range(1, 41))
        for chat in chats:
            fake.add_private_chat(chat)
        total, each, answers = await timed_sends(fake, chats)
    assert [a.status_code for a in answers] == [200] * 40
    assert min(each) >= 0.2 and total < 1.0


@pytest.mark.asyncio
async def test_flood_control_refuses_the_31st_message_in_a_second():
    clock = Clock()
    with FakeTelegram(token=TOKEN, flood_control=True, clock=clock) as fake:
        for chat in range(1, 33):
            fake.add_private_chat(chat)
        async with httpx.AsyncClient() as client:
            answers = [await post(client, fake, "sendMessage", chat_id=chat, text="hi") for chat in range(1, 32)]
            assert [a.status_code for a in answers] == [200] * 30 + [429]
            assert answers[-1].json() == {"ok": False, "error_code": 429,
                                          "description": "Too Many Requests: retry after 1",
                                          "parameters": {"retry_after": 1}}
            clock.now = 0.99
            assert (await post(client, fake, "sendMessage", chat_id=32, text="hi")).status_code == 429
            clock.now = 1.0  # the first 30 have left the window
            assert (await post(client, fake, "sendMessage", chat_id=32, text="hi")).status_code == 200
            await post(client, fake, "getMe")  # other methods are not limited
        assert fake.flood_refusals() == 2
        refused = [r for r in fake.requests("sendMessage") if r["status"] == 429]
        assert [r["flood"] for r in refused] == [True, True] and not refused[0]["injected"]
        assert fake.unexpected_errors() == []  # asked for: counted by flood_refusals instead
        assert fake.count("sendMessage") == 31 and len(fake.messages(31)) == 0


@pytest.mark.asyncio
async def test_flood_control_refuses_a_third_message_to_one_chat_within_a_second(bot, fake):
    clock = Clock()
    with FakeTelegram(token=TOKEN, flood_control=True, clock=clock) as flood:
        flood.add_private_chat(ANA)
        flood.add_private_chat(43)
        async with httpx.AsyncClient() as client:
            async def send(chat: int, at: float, method: str = "sendMessage", **params) -> int:
                clock.now = at
                params = params or {"text": f"at {at}"}
                return (await post(client, flood, method, chat_id=chat, **params)).status_code

            assert await send(ANA, 0.0) == 200
            assert await send(ANA, 0.1, "sendMessage", text=" ") == 400  # refused: not sent, not counted
            assert await send(ANA, 0.2, "editMessageText", message_id=1, text="edited") == 200  # an edit counts
            assert await send(ANA, 0.5) == 429
            assert await send(43, 0.5) == 200  # another chat has its own window
            assert await send(ANA, 0.99) == 429
            assert await send(ANA, 1.0) == 200  # 0.0 has left; the refusals at 0.5 and 0.99 never counted
            assert await send(ANA, 1.1) == 429  # the edit at 0.2 and the send at 1.0
            assert await send(ANA, 2.0) == 200
        assert flood.flood_refusals() == 3
        assert [m.text for m in flood.messages(ANA)] == ["edited", "at 1.0", "at 2.0"]
    # Without flood_control (the default) nothing is limited.
    for i in range(5):
        await bot.send_message(ANA, f"quick {i}")
    assert fake.count("sendMessage", ANA) == 5 and fake.flood_refusals() == 0


@pytest.mark.asyncio
async def test_send_times_and_closest_sends(bot, fake):
    fake.add_private_chat(43, first_name="Bo")
    assert fake.closest_sends() is None
    await bot.send_message(ANA, "one")
    await bot.send_message(43, "one")  # right after, but to another chat
    assert fake.closest_sends() is None  # no chat got two yet
    await asyncio.sleep(0.2)
    sent = await bot.send_document(ANA, b"data", filename="a.csv")
    await bot.edit_message_text("one!", ANA, 1)  # an edit is not a send
    await refused(bot.send_message(ANA, "<b>x", parse_mode=ParseMode.HTML))  # a refused send is not either
    fake.inject_error("sendPhoto", status=429, retry_after=1)
    with pytest.raises(RetryAfter):
        await bot.send_photo(ANA, b"\x89PNG\r\n\x1a\n" + b"\x00" * 8)
    await asyncio.sleep(0.2)
    await bot.send_message(ANA, "three")
    ok = [r for r in fake.requests() if r["status"] == 200 and r["params"].get("chat_id") == ANA]
    expected = [r["at"] for r in ok if r["method"] in ("sendMessage", "sendDocument")]
    assert len(expected) == 3 and fake.send_times(ANA) == expected == sorted(expected)
    assert len(fake.send_times(43)) == 1 and fake.send_times(7) == []
    assert fake.closest_sends() == min(expected[1] - expected[0], expected[2] - expected[1]) >= 0.2
    assert sent.document.file_name == "a.csv"
