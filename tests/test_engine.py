"""The engine and the first flows, driven as a person would: commands, taps, typing."""

from __future__ import annotations

from bot.storage import Storage
from flows.dialogue.core import Incoming
from flows.dialogue.engine import Engine
from tests.conftest import Chat, set_up


async def test_first_start_says_what_the_bot_is_and_offers_help_now(chat: Chat):
    await chat.send("/start")
    welcome = chat.text
    assert "18+" in welcome and "not a therapist" in welcome
    assert "not for emergencies" in welcome and "/crisis" in welcome
    assert "No person reads" in welcome and "nobody is alerted" in welcome and "can miss things" in welcome
    assert "Need help now?" in chat.labels()
    assert "Step 1 of 4" in chat.text and "Yes, keep them" in chat.labels()


async def test_onboarding_stores_every_answer(chat: Chat, storage: Storage):
    await chat.send("/start")
    await chat.press("Yes, keep them")
    await chat.press("United Kingdom")  # one time zone: set without a question
    assert "United Kingdom has one time zone" in chat.text and "12:00 there now" in chat.text
    assert "Which time zone" not in chat.text and "What time would you like" in chat.text
    await chat.press("09:00")
    assert "You're all set" in chat.text
    assert "United Kingdom" in chat.text and "09:00" in chat.text
    settings = (await storage.load(42, 42)).settings
    assert (settings.consent, settings.country, settings.timezone, settings.reminder) == (
        True, "GB", "Europe/London", "09:00"
    )
    assert settings.onboarded


async def test_typed_answers_work_like_taps(chat: Chat, storage: Storage):
    await chat.send("/start")
    await chat.send("no")
    assert "won't keep what you write" in chat.text
    await chat.send("portugal")
    assert "Which time zone" in chat.text and "Thanks" not in chat.text
    await chat.send("UTC+5:30")
    await chat.send("9pm")
    settings = (await storage.load(42, 42)).settings
    assert (settings.consent, settings.country, settings.timezone, settings.reminder) == (
        False, "PT", "UTC+05:30", "21:00"
    )


async def test_every_setup_step_can_be_skipped(chat: Chat, storage: Storage):
    await chat.send("/start")
    await chat.press("Yes, keep them")
    await chat.press("Skip")  # the country
    await chat.press("Skip")  # the time zone
    assert "Skip" not in chat.labels() and "No reminder" in chat.labels()  # one way out, not two
    await chat.press("No reminder")
    assert "You're all set" in chat.text
    settings = (await storage.load(42, 42)).settings
    assert settings.country is None and settings.timezone is None and settings.reminder is None


async def test_a_returning_person_is_welcomed_back_and_loses_nothing(chat: Chat, storage: Storage):
    await set_up(chat, timezone="London", reminder="09:00")
    await chat.send("/start")
    assert "Welcome back" in chat.text and "United Kingdom" in chat.text
    assert "Change settings" in chat.labels()
    assert (await storage.load(42, 42)).settings.country == "GB"


async def test_an_unknown_country_names_what_was_wrong_and_asks_again(chat: Chat, storage: Storage):
    await chat.send("/start")
    await chat.press("Yes, keep them")
    await chat.send("Narnia")
    assert "Narnia" in chat.text and "Ireland or IE" in chat.text
    assert "Skip" in chat.labels()  # the same question's buttons come with the re-prompt
    await chat.press("Canada")
    assert (await storage.load(42, 42)).flow.step == "timezone"


async def test_an_unknown_time_zone_and_time_get_examples(chat: Chat):
    await chat.send("/start")
    await chat.press("Yes, keep them")
    await chat.press("Skip")
    await chat.send("Mars/Olympus")
    assert "London" in chat.text and "UTC+5:30" in chat.text
    await chat.press("Skip")
    await chat.send("25:99")
    assert "08:30" in chat.text


async def test_crisis_inside_a_flow_answers_and_keeps_the_question(chat: Chat, storage: Storage):
    await chat.send("/start")
    await chat.press("Yes, keep them")
    await chat.press("United States")
    await chat.send("/crisis")
    assert "988" in chat.text and "911" in chat.text  # the crisis line, emergency
    assert "Which time zone" in chat.text  # the question is asked again
    await chat.press("New York")
    assert (await storage.load(42, 42)).settings.timezone == "America/New_York"


async def test_need_help_now_button_shows_crisis_lines_then_the_question(chat: Chat):
    await chat.send("/start")
    await chat.press("Need help now?")
    assert "Find A Helpline" in chat.text  # no country yet: the worldwide fallback
    assert "Yes, keep them" in chat.labels()
    await chat.press("Germany")
    assert "0800 111 0 111" in chat.text and "112" in chat.text


async def test_help_and_settings_shortcuts_keep_the_flow(chat: Chat, storage: Storage):
    await chat.send("/start")
    await chat.press("Yes, keep them")
    await chat.send("/help")
    assert "/crisis" in chat.text and "Which country" in chat.text
    await chat.send("/reminder 7:15")
    assert "07:15" in chat.text and "Which country" in chat.text
    state = await storage.load(42, 42)
    assert state.flow.step == "country" and state.settings.reminder == "07:15"


async def test_help_lists_every_command_once(chat: Chat, engine: Engine):
    await chat.send("/help")
    said = chat.text
    for label in chat.labels():  # a button for each group of the rest
        await chat.press(label)
        said += "\n" + chat.replies[0].text
    lines = [line for line in said.splitlines() if line.startswith("/")]
    assert sorted(line.split()[0][1:] for line in lines) == sorted(engine.command_names)


async def test_cancel_leaves_the_flow_and_saves_nothing_half_finished(chat: Chat, storage: Storage):
    await chat.send("/start")
    await chat.press("Yes, keep them")
    await chat.send("/cancel")
    assert "Stopped" in chat.text
    state = await storage.load(42, 42)
    assert state.flow is None and not state.settings.onboarded
    await chat.send("/cancel")
    assert "nothing to stop" in chat.text


async def test_starting_another_flow_leaves_the_current_one(chat: Chat, storage: Storage):
    await chat.send("/start")
    await chat.send("/settings")
    state = await storage.load(42, 42)
    assert state.flow.name == "settings" and not state.settings.onboarded


async def test_a_stale_button_is_handled_kindly(chat: Chat):
    await chat.send("/start")
    old_yes = chat.button_data("Yes, keep them")
    await chat.press("Yes, keep them")
    await chat.incoming(kind="button", data=old_yes)
    assert "earlier question" in chat.text and "Which country" in chat.text


async def test_a_forged_button_changes_nothing(chat: Chat, storage: Storage):
    await chat.send("/start")
    await chat.incoming(kind="button", data="999:yes")
    assert "earlier question" in chat.text
    await chat.incoming(kind="button", data="g:nonsense")
    assert (await storage.load(42, 42)).settings.consent is None


async def test_a_repeated_update_is_ignored(chat: Chat, storage: Storage):
    await chat.send("/start")
    await chat.incoming(kind="button", data=chat.button_data("Yes, keep them"), update_id=5000)
    replies = await chat.incoming(kind="button", data="2:no", update_id=5000)
    assert replies == []
    assert (await storage.load(42, 42)).settings.consent is True


async def test_a_restart_continues_the_same_conversation(chat: Chat, engine_factory, open_storage):
    await chat.send("/start")
    await chat.press("Yes, keep them")
    await chat.engine.store.close()
    chat.engine = engine_factory(store=await open_storage())  # a new process, the same database
    await chat.send("Portugal")
    assert "Which time zone" in chat.text and "Lisbon" in chat.labels()


async def test_settings_menu_changes_country_then_asks_time_zone(chat: Chat, storage: Storage):
    await set_up(chat, timezone="London", reminder="09:00")
    await chat.send("/settings")
    assert "Country: United Kingdom" in chat.labels()
    await chat.press("Country: United Kingdom")
    await chat.send("Australia")
    assert "Country set to Australia" in chat.text and "Which time zone" in chat.text
    assert "Thanks" not in chat.text and "Australia." not in chat.text.split("Which time zone")[1]
    await chat.press("Sydney")
    assert "Time zone set to Sydney" in chat.text and "23:00" in chat.text  # local time shown
    assert "Country: Australia" in chat.labels()
    await chat.press("Keep my entries: on")
    await chat.press("No, don't keep them")
    assert "won't keep new entries" in chat.text
    await chat.press("Done")
    assert "Saved" in chat.text
    settings = (await storage.load(42, 42)).settings
    assert (settings.country, settings.timezone, settings.consent) == ("AU", "Australia/Sydney", False)


async def test_a_country_with_one_time_zone_in_settings_sets_it_and_says_so(chat: Chat, storage: Storage):
    await set_up(chat, "Portugal", timezone="Lisbon", reminder="09:00")
    await chat.send("/settings")
    await chat.press("Country: Portugal")
    await chat.send("Japan")
    assert "Country set to Japan" in chat.text and "Japan has one time zone" in chat.text
    assert "21:00 there now" in chat.text and "Which time zone" not in chat.text
    assert "Time zone: Tokyo" in chat.labels()  # back at the menu, the zone shown
    assert (await storage.load(42, 42)).settings.timezone == "Asia/Tokyo"


async def test_shortcuts_change_settings_or_explain_themselves(chat: Chat, storage: Storage):
    await chat.send("/country us")
    assert "Country set to United States" in chat.text
    assert "New York" in chat.labels()  # time zones suggested from the country
    await chat.send("/country uk")
    assert "Country set to United Kingdom" in chat.text
    assert "United Kingdom has one time zone" in chat.text and not chat.labels()  # set, not asked
    await chat.send("/timezone London")
    assert "Time zone set to London" in chat.text
    await chat.send("/timezone Narnia/Cair")
    assert "couldn't find a time zone" in chat.text
    await chat.send("/reminder off")
    assert "No daily check-in" in chat.text
    await chat.send("/country")
    assert "Your country is United Kingdom" in chat.text and "/country Ireland" in chat.text
    settings = (await storage.load(42, 42)).settings
    assert (settings.country, settings.timezone, settings.reminder) == ("GB", "Europe/London", None)


async def test_edits_media_and_unknown_commands_get_a_sensible_reply(chat: Chat):
    await chat.send("/start")
    await chat.incoming(kind="edited", text="yes")
    assert "send it again" in chat.text
    await chat.incoming(kind="media", media="voice")
    assert "voice notes" in chat.text and "/crisis" in chat.text and "Step 1 of 4" in chat.text
    await chat.send("/frobnicate")
    assert "/frobnicate" in chat.text and "/help" in chat.text


async def test_a_long_paste_is_refused_once_not_per_part(chat: Chat, engine: Engine):
    await chat.send("/start")
    await chat.press("Yes, keep them")
    first = await chat.send("x" * 4096)
    assert "longer than I can take" in chat.text and len(first) == 2
    assert await chat.send("y" * 500) == []  # the rest of the split paste


async def test_an_answer_over_the_limit_is_refused_kindly(chat: Chat):
    await chat.send("/start")
    await chat.press("Yes, keep them")
    await chat.send("z" * 1500)
    assert "1000 characters" in chat.text


async def test_text_outside_a_flow_points_somewhere(chat: Chat):
    await chat.send("ok")
    assert "/help" in chat.text and "/crisis" in chat.text and chat.labels() == ["Log how I feel", "A calm exercise"]


async def test_group_chats_get_crisis_and_a_private_link_and_store_nothing(engine: Engine, storage: Storage):
    group = dict(user_id=7, chat_id=-100, private=False)
    replies = await engine.handle(Incoming(kind="command", command="crisis", args="GB", **group))
    assert "116 123" in replies[0].text
    replies = await engine.handle(Incoming(kind="command", command="start", **group))
    assert replies[0].buttons[0][0].url == "https://t.me/CBTCompanionBot"
    replies = await engine.handle(Incoming(kind="button", data="g:crisis:IE", **group))
    assert "Ireland" in replies[0].text
    assert await engine.handle(Incoming(kind="text", text="hi all", **group)) == []
    assert await storage.is_active(7) is None  # never stored


async def test_blocking_marks_inactive_and_a_message_reactivates(chat: Chat, storage: Storage):
    await chat.send("/start")
    await chat.incoming(kind="blocked")
    assert await storage.is_active(42) is False
    await chat.send("/help")
    assert await storage.is_active(42) is True


async def test_a_failed_delivery_marks_the_person_inactive(engine: Engine, storage: Storage):
    async def blocked(replies):
        return False

    await engine.handle(Incoming(5, 5, "command", command="help"), blocked)
    assert await storage.is_active(5) is False


async def test_skipping_the_country_in_settings_does_not_ask_for_a_time_zone(chat: Chat):
    await set_up(chat, timezone="London", reminder="09:00")
    await chat.send("/settings")
    await chat.press("Country: United Kingdom")
    await chat.press("Skip")
    assert "Which time zone" not in chat.text and "Country: United Kingdom" in chat.labels()
