"""The risk response and the safety plan, driven through the engine as a person would."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.storage import Storage
from flows.lib import markup
from flows.lib.content import Content
from flows.dialogue.core import Ctx, Settings, UserState
from flows.dialogue.engine import Engine
from flows.dialogue.safety import respond
from tests.conftest import FIXED_NOW, Chat, set_up

SUICIDAL = "i dont want to be here anymore"
PLAN = "i have the pills ready and im going to take them all tonight"
ABUSE = "my husband hits me when he drinks"
INTRUSIVE = "i keep getting horrible thoughts about hurting my baby and it scares me"
UNDER_18 = "im 15 btw"


@pytest.fixture
def engine(moving: Engine) -> Engine:
    """Here `chat` talks to the engine whose clock the tests move (the `clock` fixture)."""
    return moving


async def test_a_disclosure_while_idle_gets_the_full_response(chat: Chat, storage: Storage):
    await set_up(chat)
    await chat.send(SUICIDAL)
    text = chat.text
    assert "You're not alone" in text and "116 123" in text and "999" in text
    assert text.index("116 123") < text.index("999")  # crisis line first, then the emergency number
    assert "Are you safe right now?" in text
    assert chat.labels() == ["Safe for now", "Not safe", "Not sure"]
    assert len(chat.replies) == 1 and markup.visible_length(chat.replies[0].text) < 400
    events = await storage.risk_events(42)
    assert [e["kinds"] for e in events] == [["suicidal"]] and events[0]["at"].startswith("2026-11-24")


async def test_a_plan_or_means_puts_the_emergency_number_first(chat: Chat):
    await set_up(chat)
    await chat.send(PLAN)
    assert chat.text.index("999") < chat.text.index("116 123")
    assert "in danger now" in chat.text


async def test_harm_from_others_gets_the_abuse_line(chat: Chat):
    await set_up(chat)
    await chat.send(ABUSE)
    assert "0808 2000 247" in chat.text and "999" in chat.text and "deserve to be safe" in chat.text


async def test_thoughts_of_harming_someone_are_met_without_alarm(chat: Chat):
    await set_up(chat)
    await chat.send(INTRUSIVE)
    assert "doesn't make you dangerous" in chat.text and "Are you safe right now?" in chat.text


async def test_someone_under_18_is_pointed_to_a_youth_line_and_carries_on(chat: Chat):
    await chat.send("/start")
    await chat.press("Yes, keep them")
    await chat.send("/country ireland")
    await chat.send(UNDER_18)
    assert "1800 66 66 66" in chat.text and "116 123" in chat.text  # Childline Ireland, Samaritans
    assert "Step 2 of 4" in chat.text  # the setup goes on


async def test_not_safe_brings_the_emergency_number_someone_with_them_and_grounding(chat: Chat, clock):
    await set_up(chat)
    await chat.send(SUICIDAL)
    await chat.press("Not safe")
    assert "999" in chat.text and "someone who can be with you" in chat.text
    assert "5 things you can see" in chat.text
    assert "My safety plan" in chat.labels()
    clock.now += timedelta(minutes=15)
    await chat.send(SUICIDAL)
    await chat.press("Not sure")
    assert "999" in chat.text and "5 things you can see" in chat.text


async def test_safe_for_now_offers_the_plan_carry_on_or_stop(chat: Chat, storage: Storage, clock):
    await chat.send("/start")
    await chat.press("Yes, keep them")
    await chat.send(SUICIDAL)  # at the country question
    assert "Which country" not in chat.text  # the practice waits
    await chat.press("Safe for now")
    assert chat.labels() == ["My safety plan", "Carry on", "Stop for now"]
    await chat.press("Carry on")
    assert "Which country" in chat.text
    clock.now += timedelta(minutes=15)
    await chat.send(SUICIDAL)
    await chat.press("Safe for now")
    await chat.press("Stop for now")
    assert "stop here" in chat.text and (await storage.load(42, 42)).flow is None


async def test_the_words_are_kept_but_never_quoted_back(chat: Chat, storage: Storage):
    await chat.send("/start")
    await chat.press("Yes, keep them")
    await chat.send("i want to kill myself")  # not a country: nothing to quote it in, ever
    state = await storage.load(42, 42)
    assert state.flow.data["hidden"] == ["country"]
    await chat.press("Safe for now")
    await chat.press("Carry on")
    assert "kill myself" not in chat.text


async def test_a_repeat_within_ten_minutes_is_shorter_unless_more_serious(chat: Chat, clock):
    await set_up(chat)
    await chat.send(SUICIDAL)
    clock.now += timedelta(minutes=3)
    await chat.send("honestly i just want to die")
    assert "Are you safe" not in chat.text
    assert "116 123" in chat.text and "/crisis" in chat.text  # still the main line and /crisis
    clock.now += timedelta(minutes=3)
    await chat.send(PLAN)  # more serious: never shortened
    assert "Are you safe right now?" in chat.text and chat.text.index("999") < chat.text.index("116 123")
    clock.now += timedelta(minutes=11)
    await chat.send(SUICIDAL)
    assert "Are you safe right now?" in chat.text  # ten minutes on: the full response again
    clock.now += timedelta(minutes=1)
    await chat.send(ABUSE)  # a new kind of risk within the window: its own full answer
    assert "0808 2000 247" in chat.text and "Are you safe right now?" in chat.text


async def test_edits_and_captions_are_screened(chat: Chat):
    await set_up(chat)
    await chat.incoming(kind="edited", text=SUICIDAL)
    assert "Are you safe right now?" in chat.text and "send it again" not in chat.text
    await chat.incoming(kind="media", media="photo", text=ABUSE)
    assert "0808 2000 247" in chat.text


async def test_commands_are_screened_and_not_echoed(chat: Chat):
    await set_up(chat)
    await chat.send("/country i want to end my life")
    assert "Are you safe right now?" in chat.text and "end my life" not in chat.text


async def test_without_a_country_the_response_uses_the_worldwide_fallback(chat: Chat):
    await chat.send(SUICIDAL)
    assert "local emergency number" in chat.text and "Find A Helpline" in chat.text


async def test_without_consent_the_response_comes_but_no_event_is_kept(chat: Chat, storage: Storage):
    await set_up(chat, consent="No, don't keep them")
    await chat.send(SUICIDAL)
    assert "Are you safe right now?" in chat.text
    assert await storage.risk_events(42) == []


async def test_everyday_words_do_not_set_it_off(chat: Chat):
    await set_up(chat)
    for text in ("this homework is killing me", "im dead tired", "i could kill for a coffee"):
        await chat.send(text)
        assert "Are you safe" not in chat.text


@pytest.mark.parametrize("kinds", [{"suicidal"}, {"plan", "suicidal"}, {"harm_from_others", "under_18"}, {"self_harm"}])
def test_the_response_fits_one_phone_screen_for_every_country(content: Content, kinds):
    for code in [*content.crisis_lines, None]:
        ctx = Ctx.bare(content, FIXED_NOW, Settings(country=code))
        reply = respond(ctx, UserState(1, 1), frozenset(kinds), FIXED_NOW).replies[0]
        markup.check(reply.text)
        assert markup.visible_length(reply.text) <= 400, (code, markup.visible_text(reply.text))


# ---------------------------------------------------------------------- safety plan


async def build_plan(chat: Chat) -> None:
    await chat.send("/safetyplan")
    assert "Section 1 of 7" in chat.text
    await chat.send("not sleeping, staying in bed")
    await chat.send("walk the dog")
    await chat.press("Skip")
    await chat.send("my sister Ana 0123")
    assert "Now: Samaritans 116 123" in chat.text  # pre-filled with their country's crisis line
    await chat.send("my GP, Dr Okafor")
    await chat.press("Skip")
    await chat.send("my niece, the sea")


async def test_a_safety_plan_is_built_one_section_at_a_time(chat: Chat, storage: Storage):
    await set_up(chat)
    await build_plan(chat)
    assert "My safety plan" in chat.text and "walk the dog" in chat.text and "Dr Okafor" in chat.text
    assert "saved" in chat.text
    assert chat.labels() == ["A calm check-in"]  # a next step, as a button
    plan = (await storage.load(42, 42)).safety.plan
    assert plan["reasons"] == "my niece, the sea" and "people_and_places" not in plan


async def test_a_safety_plan_can_be_viewed_and_one_section_changed(chat: Chat, storage: Storage):
    await set_up(chat)
    await build_plan(chat)
    await chat.send("/safetyplan")
    assert "walk the dog" in chat.text
    await chat.press("Change a section")
    await chat.press("Things I can do on my own")
    assert "Now: walk the dog" in chat.text and "Keep as it is" in chat.labels()
    await chat.send("walk the dog, call Ana")
    assert "walk the dog, call Ana" in chat.text
    assert (await storage.load(42, 42)).safety.plan["on_my_own"] == "walk the dog, call Ana"


async def test_the_plan_comes_with_crisis_and_from_the_risk_response(chat: Chat):
    await set_up(chat)
    await build_plan(chat)
    await chat.send("/crisis")
    assert "116 123" in chat.replies[0].text and "my niece, the sea" not in chat.text  # one screen: the numbers
    await chat.press("My safety plan")
    assert "my niece, the sea" in chat.text
    await chat.send(SUICIDAL)
    await chat.press("Safe for now")
    await chat.press("My safety plan")
    assert "my niece, the sea" in chat.text


async def test_writing_hard_things_into_the_plan_gets_a_footer_not_an_alarm(chat: Chat, clock):
    await set_up(chat)
    await chat.send("/safetyplan")
    await chat.send("when i start thinking i want to die")
    assert "Are you safe" not in chat.text and "/crisis" in chat.text and "Section 2 of 7" in chat.text
    await chat.send(PLAN)  # danger now: the full response
    assert "Are you safe right now?" in chat.text


async def test_without_consent_the_plan_is_not_kept_after_it_is_shown(chat: Chat, storage: Storage):
    await set_up(chat, consent="No, don't keep them")
    await build_plan(chat)
    assert "won't keep this plan" in chat.text and "my niece, the sea" in chat.text
    assert (await storage.load(42, 42)).safety.plan == {}


async def test_their_own_professionals_keep_the_crisis_line_and_the_emergency_number(chat: Chat, storage: Storage):
    await set_up(chat)
    await build_plan(chat)  # they typed their GP where the crisis line was pre-filled
    assert (await storage.load(42, 42)).safety.plan["professionals"] == "my GP, Dr Okafor\nSamaritans 116 123\nEmergency: 999"
    await chat.send("/safetyplan")
    await chat.press("Change a section")
    await chat.press("Professionals and services")
    assert "Add Samaritans" not in chat.labels()  # it is still there
    await chat.send("Dr Okafor, and Samaritans on 116 123")
    assert (await storage.load(42, 42)).safety.plan["professionals"] == "Dr Okafor, and Samaritans on 116 123\nEmergency: 999"


async def test_a_plan_never_written_is_never_shown(chat: Chat, storage: Storage):
    await set_up(chat)
    await chat.send("/safetyplan")
    await chat.send("/cancel")
    await chat.send("/crisis")
    assert len(chat.replies) == 1 and "My safety plan" not in chat.text
    assert (await storage.load(42, 42)).safety.plan == {}
