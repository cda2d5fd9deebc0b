"""/crisis, phone first: one screen with the main line and the emergency number, then
[More help lines] and [My safety plan]; a country with no lines gets the worldwide
directories and the emergency advice at once; countries to tap in the order someone is
likeliest to need. Never a number dropped."""

from __future__ import annotations

import pytest

from flows.dialogue.core import Ctx, Settings
from flows.lib import markup, places
from flows.lib.content import Content
from flows.practices import crisis
from tests.conftest import FIXED_NOW, Chat, set_up

REQUIRED = "US CA GB IE AU NZ DE FR ES IT NL BE CH AT SE NO DK FI PL PT IN JP KR SG PH BR MX AR ZA IL".split()


def numbers(lines) -> set[str]:
    """Every number a country's file holds: emergency, phone and text."""
    found = {e.number for e in lines.emergency}
    for service in [*lines.crisis, *lines.youth, *lines.domestic_abuse]:
        found |= {n for n in (service.phone, service.sms) if n}
    return found


@pytest.mark.parametrize("code", REQUIRED)
async def test_the_card_is_one_screen_and_every_number_is_a_tap_away(chat: Chat, content: Content, code: str):
    await chat.send(f"/crisis {code}")
    (card,) = chat.replies
    lines = content.crisis_lines[code]
    first = markup.visible_text(card.text)
    assert markup.visible_length(card.text) <= 400
    main = lines.crisis[0].phone or lines.crisis[0].sms
    assert main in first and lines.emergency[0].number in first  # the main line and the emergency number, at once
    assert first.index(main) < first.index(lines.emergency[0].number)  # the line first (VOICE.md)
    assert chat.labels() == ["More help lines"]  # no plan here: none is written
    await chat.press("More help lines")
    more = [markup.visible_text(r.text) for r in chat.replies]
    assert all(len(text) <= 400 for text in more)
    shown = first + "\n".join(more)
    assert not [n for n in numbers(lines) if n not in shown]  # never a number dropped
    assert "Find A Helpline" in shown and "Befrienders Worldwide" in shown


async def test_the_plan_is_a_button_not_printed_every_time(chat: Chat):
    await set_up(chat)
    await chat.send("/safetyplan")
    await chat.send("my sister Ana 07700 900123, the sea")
    await chat.send("/cancel")
    await chat.send("/crisis")
    assert len(chat.replies) == 1 and "07700" not in chat.text
    assert chat.labels() == ["More help lines", "My safety plan"]
    await chat.press("My safety plan")
    assert "my sister Ana 07700 900123" in chat.text


async def test_without_a_plan_there_is_no_plan_button_and_in_a_practice_the_question_comes_again(chat: Chat):
    await set_up(chat)
    await chat.send("/thought")
    await chat.send("/crisis")
    assert "116 123" in chat.replies[0].text and "Full record" in chat.labels() and "My safety plan" not in chat.labels()
    await chat.press("More help lines")
    assert "Childline" in chat.text and "Full record" in chat.labels()  # still where they were


async def test_a_country_with_no_lines_gets_the_directories_and_the_emergency_advice_at_once(chat: Chat):
    await chat.send("/crisis Nigeria")
    (reply,) = chat.replies
    text = markup.visible_text(reply.text)
    assert "I don't have help lines for Nigeria yet" in text and "local emergency number" in text
    assert "Find A Helpline" in text and "Tap your country" not in text and reply.buttons == ()
    await set_up(chat, country="Nigeria")
    await chat.send("/crisis")  # their own country, with no lines
    assert "Nigeria" in chat.text and "local emergency number" in chat.text and chat.replies[0].buttons == ()


async def test_an_unknown_place_still_gets_countries_to_tap(chat: Chat):
    await chat.send("/crisis Atlantis")
    assert "“Atlantis”" in chat.text and "Tap your country below" in chat.text and "Germany" in chat.labels()


@pytest.mark.parametrize(
    "language, first",
    [("en-GB", ["United Kingdom", "United States"]), ("de", ["Germany", "Austria", "Belgium", "Switzerland"]),
     ("pt-BR", ["Brazil", "Portugal"]), ("fr", ["France", "Canada", "Belgium", "Switzerland"]),
     ("en", ["United States", "United Kingdom", "Canada"]), ("", ["United States", "United Kingdom", "Canada"])],
)
async def test_need_help_now_offers_the_likeliest_countries_first(chat: Chat, language: str, first: list[str]):
    await chat.incoming(kind="command", command="start", language=language)
    await chat.incoming(kind="button", data="g:crisis", language=language)
    labels = [button.label for row in chat.replies[0].buttons for button in row]  # then the question again
    assert labels[: len(first)] == first and len(labels) == len(chat.engine.content.crisis_lines)  # every one still there


def test_likely_countries_puts_the_region_then_the_language_then_the_most_used():
    codes = ["AR", "AT", "CH", "DE", "GB", "IE", "MX", "US"]
    assert places.likely_countries(codes, "de-CH", ["US", "GB"])[:3] == ["CH", "AT", "DE"]
    assert places.likely_countries(codes, "es", ["US", "GB"])[:4] == ["AR", "MX", "US", "GB"]  # Spain has no lines here
    assert places.likely_countries(codes, "xx-YY", ["US", "GB"])[:2] == ["US", "GB"]  # unknown: the most used
    assert sorted(places.likely_countries(codes, None, [])) == sorted(codes)


def test_every_card_more_and_fallback_renders_at_start_up(content: Content):
    crisis.check_all(content)
    ctx = Ctx.bare(content, FIXED_NOW, Settings(country="NG"))
    assert crisis.replies(ctx, None)[0].buttons == ()  # a country with no lines: nothing to tap


@pytest.mark.parametrize("code", REQUIRED)
def test_the_safety_detours_full_response_still_gives_the_line_and_the_emergency_number_at_once(content: Content, code: str):
    from flows.dialogue import safety

    lines = content.crisis_lines[code]
    for kinds in ({"suicidal"}, {"plan", "suicidal"}, {"act", "self_harm"}, {"harm_from_others"}):
        ctx = Ctx.bare(content, FIXED_NOW, Settings(country=code))
        (reply,) = safety.respond(ctx, ctx.state, frozenset(kinds), FIXED_NOW).replies
        text = markup.visible_text(reply.text)
        assert lines.emergency[0].number in text and (lines.crisis[0].phone or lines.crisis[0].sms) in text
        assert markup.visible_length(reply.text) <= 400
