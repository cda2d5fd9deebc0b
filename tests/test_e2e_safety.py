"""Safety end to end: the real bot over HTTP against the fake Bot API, as a person would."""

from __future__ import annotations

import pytest

from tests.conftest import CONSOLE_SET_UP, run_console, set_up
from tests.e2e import Person
from tests.fake_telegram import FakeTelegram

SAFE_QUESTION = "Are you safe right now?"


@pytest.fixture
def ana(bot) -> Person:
    return Person(bot, 3003, "Ana")


async def test_a_disclosure_while_idle(ana: Person):
    await set_up(ana)
    replies = await ana.send("honestly i dont want to be here anymore")
    assert len(replies) == 1 and SAFE_QUESTION in replies[0].text
    assert "Samaritans" in replies[0].text and "116 123" in replies[0].text
    assert [label for label, _ in replies[0].buttons[0]] == ["Safe for now", "Not safe", "Not sure"]


async def test_a_disclosure_in_the_middle_of_onboarding_then_carry_on(ana: Person):
    await ana.send("/start")
    await ana.press("Yes, keep them")
    replies = await ana.send("i want to kill myself")
    assert SAFE_QUESTION in ana.transcript(replies) and "kill myself" not in ana.transcript(replies)
    await ana.press("Safe for now")
    replies = await ana.press("Carry on")
    assert "Which country" in ana.transcript(replies)


async def test_a_disclosure_in_the_middle_of_settings(ana: Person):
    await set_up(ana)
    await ana.send("/settings")
    await ana.press("Country: United Kingdom")
    replies = await ana.send("ive been cutting myself again")
    assert SAFE_QUESTION in ana.transcript(replies) and "cutting" not in ana.transcript(replies)


@pytest.mark.parametrize(
    "idiom",
    [
        "this homework is killing me", "im dead tired lol", "i could kill for a coffee right now",
        "me muero de hambre", "este trabajo me mata", "ich bin todmüde heute",
        "die hitze bringt mich um", "je meurs de faim", "ce boulot me tue", "mort de rire",
    ],
)
async def test_everyday_idioms_in_four_languages_do_not_fire(ana: Person, idiom: str):
    replies = await ana.send(idiom)
    assert SAFE_QUESTION not in ana.transcript(replies)


async def test_an_edited_message_a_caption_and_a_voice_note(ana: Person, bot, fake: FakeTelegram):
    await set_up(ana)
    await bot.wait_handled(fake.edit_text(ana.user_id, 1, "i want to die"))
    assert SAFE_QUESTION in fake.messages(ana.user_id)[-1].text
    await bot.wait_handled(fake.send_photo(ana.user_id, caption="my boyfriend hits me"))
    assert "0808 2000 247" in fake.messages(ana.user_id)[-1].text  # National Domestic Abuse Helpline
    await bot.wait_handled(fake.send_voice(ana.user_id))
    assert "/crisis" in fake.messages(ana.user_id)[-1].text


async def test_a_plan_or_means_puts_the_emergency_number_first(ana: Person):
    await set_up(ana)
    replies = await ana.send("i have the pills ready and im going to take them all tonight")
    text = replies[0].text
    assert text.index("999") < text.index("116 123")


async def test_harm_from_others_and_thoughts_of_harming_someone(ana: Person):
    await set_up(ana)
    replies = await ana.send("my dad threatens to kill me when he is drunk")
    assert "0808 2000 247" in replies[0].text
    replies = await ana.send("i keep having thoughts about hurting my baby and it terrifies me")
    assert "doesn't make you dangerous" in ana.transcript(replies)  # a new kind: its own full answer


async def test_someone_under_18(ana: Person):
    await set_up(ana)
    replies = await ana.send("im 14 and in year 9")
    assert "Childline" in ana.transcript(replies) and "0800 1111" in ana.transcript(replies)


async def test_not_safe_path(ana: Person):
    await set_up(ana)
    await ana.send("i want to die")
    replies = await ana.press("Not safe")
    text = ana.transcript(replies)
    assert "999" in text and "someone who can be with you" in text and "5 things you can see" in text


async def test_a_shorter_repeat_and_a_more_serious_one_that_is_not_shortened(ana: Person):
    await set_up(ana)
    await ana.send("i want to die")
    replies = await ana.send("i really want to die")
    assert SAFE_QUESTION not in ana.transcript(replies) and "116 123" in ana.transcript(replies)
    assert "/crisis" in ana.transcript(replies)
    replies = await ana.send("i have the rope ready for tonight")
    assert SAFE_QUESTION in ana.transcript(replies) and replies[0].text.index("999") < replies[0].text.index("116 123")


async def test_safety_plan_build_edit_view_and_with_crisis(ana: Person):
    await set_up(ana)
    replies = await ana.send("/safetyplan")
    assert "Section 1 of 7" in ana.transcript(replies)
    for answer in ("not sleeping", "music and a walk", "the library", "my friend Jo"):
        await ana.send(answer)
    await ana.press("Keep as it is")  # pre-filled with Samaritans
    await ana.press("Skip")
    replies = await ana.send("my cat, my brother")
    assert "My safety plan" in ana.transcript(replies) and "Samaritans 116 123" in ana.transcript(replies)
    await ana.send("/safetyplan")
    await ana.press("Change a section")
    await ana.press("People and places that help")
    replies = await ana.send("the library, the park")
    assert "the library, the park" in ana.transcript(replies)
    replies = await ana.send("/crisis")  # one screen: the line and the emergency number, the plan a tap away
    assert len(replies) == 1 and "116 123" in replies[0].text and "999" in replies[0].text
    replies = await ana.press("My safety plan")
    assert "my cat, my brother" in ana.transcript(replies)


def test_the_console_screens_and_responds_the_same_way(tmp_path):
    result = run_console(tmp_path, [*CONSOLE_SET_UP, "i want to die", "1"])
    assert result.returncode == 0
    out = result.stdout
    assert SAFE_QUESTION in out and "116 123" in out and "[1] Safe for now" in out
    assert "I'm glad" in out
