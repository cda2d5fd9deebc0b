"""/solve (structured problem solving), its reminders and its look back, through the real
engine and storage as a person would use it (type, tap a button by its label), with a clock
the tests move (no sleeping) and the real tick (bot/scheduler.Ticker)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.scheduler import Ticker
from flows.dialogue.core import Ctx
from flows.lib import markup
from flows.lib.content import Content
from flows.practices.solve import common
from tests.conftest import CONSOLE_SET_UP, FIXED_NOW, PROBABLE, Chat, Clock, journal_pages, log_mood, run_console, set_up, texts

PROBLEM = "I'm behind on the gas bill and dread opening the post"
IDEAS_TEXT = "call the gas company, ask my sister for advice; make a budget"


async def entries(storage, user_id: int = 7) -> list:
    return [e for e in await storage.history(user_id) if e.kind == "solve"]


async def rows(storage, user_id: int = 7, kind: str | None = None) -> list[dict]:
    return [r for r in await storage.scheduled(user_id) if r["kind"].startswith("solve") and (kind is None or r["kind"] == kind)]


async def at_the_ideas(chat: Chat, problem: str = PROBLEM) -> None:
    await chat.send("/solve")
    await chat.send(problem)


async def rate(chat: Chat, *numbers: str) -> None:
    for number in numbers:
        await chat.press(number)


async def planned(chat: Chat, reminders: str = "Remind me, and ask how it went", step: str = "find the last bill",
                  day: str = "Tomorrow", at: str = "10:00") -> None:
    """/solve through to the end: three ideas, rated, the top one chosen, one step."""
    await at_the_ideas(chat)
    await chat.send(IDEAS_TEXT)
    await chat.press("That's all")
    await rate(chat, "7", "5", "6", "8", "4", "9")  # help/doable: 12, 14, 13
    await chat.press("call the gas company")
    await chat.send(step)
    await chat.press(day)
    await (chat.press(at) if at in chat.labels() else chat.send(at))
    await chat.press("That's the plan")
    if reminders:
        await chat.press(reminders)


def every_text(chat: Chat) -> str:
    return chat.text + " " + " ".join(chat.labels())


# --- the practice -----------------------------------------------------------------------


async def test_a_whole_problem_by_typing_and_taps(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/solve")
    assert "Step 1 of 6" in ana.text and "one sentence" in ana.text
    await ana.send("money stuff")  # vague: one follow-up
    assert "Step 1 of 6" in ana.text and "What would be different if it were solved?" in ana.text
    assert ana.labels() == ["Keep it as it is"]
    await ana.send("I'd have paid the gas bill and know what I owe")
    assert "Step 2 of 6" in ana.text and "no judging yet" in ana.text and ana.labels() == ["That's all"]
    assert "“money stuff”" in ana.text and "“I'd have paid the gas bill and know what I owe”" in ana.text
    await ana.send("call the gas company")  # one a message
    assert "1. call the gas company" in ana.text and "no judging yet" not in ana.text  # said once
    await ana.send("ask my sister for advice, make a budget; sell the old bike")  # or several at once
    assert "4. sell the old bike" in ana.text and "no judging yet" not in ana.text
    await ana.press("That's all")
    assert "Step 3 of 6 · idea 1 of 4" in ana.text and "“call the gas company”" in ana.text
    assert "how much would it help" in ana.text and ana.labels() == [str(n) for n in range(11)]
    await ana.press("7")
    assert "how doable" in ana.text and "idea 1 of 4" in ana.text
    await ana.send("5")  # typed numbers work too
    await rate(ana, "6", "8", "4", "9", "8", "2")
    assert "Step 4 of 6" in ana.text
    assert ana.text.index("ask my sister for advice · help 6, doable 8") < ana.text.index(
        "make a budget · help 4, doable 9") < ana.text.index("call the gas company · help 7, doable 5")
    assert ana.labels() == ["ask my sister for advice", "make a budget", "call the gas company", "sell the old bike"]
    await ana.press("call the gas company")  # not the top one: their choice
    assert "Step 5 of 6" in ana.text and "“call the gas company” — let's make it small" in ana.text
    await ana.send("find the last bill")
    assert "“find the last bill” — which day" in ana.text
    await ana.press("Tomorrow")
    assert "What time tomorrow" in ana.text
    await ana.press("10:00")
    assert "• find the last bill · Wed 25 Nov, 10:00" in ana.text
    assert ana.labels() == ["Add another step", "That's the plan"]
    await ana.send("ring them")  # the next step, typed straight away
    await ana.send("Thursday")
    await ana.send("2:30pm")
    assert "• ring them · Thu 26 Nov, 14:30" in ana.text
    await ana.press("That's the plan")
    assert "Step 6 of 6" in ana.text and "never the problem" in ana.text
    await ana.press("Remind me, and ask how it went")
    assert "Your plan" in ana.text and "Trying: “call the gas company”" in ana.text
    assert "4 ideas" in ana.text and "2 small steps" in ana.text
    assert "On Fri 27 Nov, 14:30 I'll ask how it went" in ana.text
    assert ana.labels() == ["A calm check-in", "Look at a thought"]  # next steps, as buttons
    [entry] = await entries(storage)
    assert entry.data == {
        "problem": "money stuff",
        "goal": "I'd have paid the gas bill and know what I owe",
        "ideas": [
            {"text": "call the gas company", "helpful": 7, "doable": 5},
            {"text": "ask my sister for advice", "helpful": 6, "doable": 8},
            {"text": "make a budget", "helpful": 4, "doable": 9},
            {"text": "sell the old bike", "helpful": 8, "doable": 2},
        ],
        "chosen": 0,
        "steps": [
            {"text": "find the last bill", "when": "2026-11-25T10:00:00+00:00"},
            {"text": "ring them", "when": "2026-11-26T14:30:00+00:00"},
        ],
        "reminders": True,
        "review": True,
        "review_at": "2026-11-27T14:30:00+00:00",
        "status": "planned",
        "reviews": [],
        "hidden": [],
    }
    assert [(r["kind"], r["due_at"], r["entry"]) for r in await rows(storage)] == [
        ("solve_reminder", "2026-11-25T10:00:00+00:00", entry.id),
        ("solve_reminder", "2026-11-26T14:30:00+00:00", entry.id),
        ("solve_review", "2026-11-27T14:30:00+00:00", entry.id),
    ]


@pytest.mark.parametrize(
    "problem, is_vague",
    [
        ("work", True),
        ("money stuff", True),
        ("My life is a mess", True),
        ("Everything is going wrong at the moment", True),
        ("I dont know, I just can't cope", True),
        ("It's all too much at the moment", True),
        ("I'm behind on two bills", False),
        ("My flatmate never does the dishes and I end up doing them", False),
        ("I haven't answered my landlord's email about the boiler", False),
        ("I feel overwhelmed by the three reports my manager wants by Friday, and the team is short", False),
    ],
)
def test_a_vague_problem_is_one_too_short_or_short_and_vague(content: Content, problem: str, is_vague: bool):
    ctx = Ctx.bare(content, FIXED_NOW)
    assert common.vague(ctx, problem) is is_vague


async def test_a_concrete_problem_goes_straight_to_the_ideas_and_keep_it_goes_on_too(chat: Chat):
    await set_up(chat)
    await at_the_ideas(chat)
    assert "Step 2 of 6" in chat.text and "What would be different" not in chat.text
    assert f"The problem: “{PROBLEM}”." in chat.text
    await chat.send("/solve")
    await chat.send("my life is a mess")
    await chat.press("Keep it as it is")
    assert "Step 2 of 6" in chat.text and "The problem: “my life is a mess”." in chat.text


async def test_thats_all_needs_two_ideas_and_can_be_typed(chat: Chat):
    await set_up(chat)
    await at_the_ideas(chat)
    await chat.press("That's all")
    assert "Write two ideas or more first" in chat.text and chat.labels() == ["That's all"]
    await chat.send("call them")
    await chat.press("That's all")
    assert "One more idea gives you something to compare" in chat.text
    await chat.send(" , ;  ")  # nothing in it
    assert "Type an idea" in chat.text
    await chat.send("Call them")  # the same idea again is not added twice
    assert "2." not in chat.text
    await chat.send("leave it for now")
    await chat.send("That's all")
    assert "idea 1 of 2" in chat.text


async def test_the_brainstorm_stops_at_six_ideas(chat: Chat):
    await set_up(chat)
    await at_the_ideas(chat)
    await chat.send("a, b, c, d")
    await chat.send("e, f, g, h")  # two past the most
    assert "idea 1 of 6" in chat.text


async def test_a_very_long_idea_is_asked_again_shorter(chat: Chat):
    await set_up(chat)
    await at_the_ideas(chat)
    await chat.send("x" * 151)
    assert "shorter sentence, under 150 characters" in chat.text and chat.labels() == ["That's all"]


async def test_an_idea_is_chosen_by_its_number_in_the_comparison(chat: Chat, storage):
    await set_up(chat)
    await at_the_ideas(chat)
    await chat.send("first, second")
    await chat.press("That's all")
    await rate(chat, "1", "1", "9", "9")
    assert chat.text.index("1. second") < chat.text.index("2. first")
    await chat.send("7")
    assert "Tap the idea you'd like to try" in chat.text
    await chat.send("2")  # as numbered in the comparison: "first"
    assert "“first” — let's make it small" in chat.text


async def test_bad_answers_get_specific_reprompts(chat: Chat):
    await set_up(chat)
    await chat.send("/solve")
    await chat.send("   ")
    assert "Type the problem in a sentence" in chat.text
    await chat.send(PROBLEM)
    await chat.send("a, b")
    await chat.press("That's all")
    await chat.send("eleven")
    assert "from 0 to 10" in chat.text
    await rate(chat, "5", "5", "5", "5")
    await chat.press("a")
    await chat.send("do it")
    await chat.send("next year")
    assert "Tap a day, or type one" in chat.text
    await chat.press("Today")
    await chat.send("09:00")
    assert "that time has passed" in chat.text and "Another day" in chat.labels()
    await chat.press("Another day")
    await chat.press("Tomorrow")
    await chat.press("08:00")
    await chat.press("That's the plan")
    await chat.send("yes")
    assert "Tap one of the choices below" in chat.text


async def test_three_steps_at_most(chat: Chat, storage):
    await set_up(chat)
    await planned(chat, reminders="", step="one")
    await chat.send("/cancel")  # (that plan is left unfinished at its last question)
    await at_the_ideas(chat)
    await chat.send("a, b")
    await chat.press("That's all")
    await rate(chat, "5", "5", "5", "5")
    await chat.press("a")
    for step in ("one", "two"):
        await chat.send(step)
        await chat.press("Tomorrow")
        await chat.press("10:00")
        await chat.press("Add another step")
    await chat.send("three")
    await chat.press("Tomorrow")
    await chat.press("12:00")
    assert "Step 6 of 6" in chat.text  # no fourth


async def test_only_ask_how_it_went_and_no_messages(chat: Chat, storage):
    await set_up(chat)
    await planned(chat, reminders="Only ask how it went")
    assert [r["kind"] for r in await rows(storage, chat.user_id)] == ["solve_review"]
    assert "reminder" not in chat.text and "I'll ask how it went" in chat.text
    await planned(chat, reminders="No messages, thanks")
    assert [r["kind"] for r in await rows(storage, chat.user_id)] == ["solve_review"]  # only the first plan's
    assert "I'll ask" not in chat.text and "/journal shows your plan" in chat.text


async def test_without_consent_nothing_is_kept_and_no_messages_are_offered(chat: Chat, storage):
    await set_up(chat, consent="No, don't keep them")
    await planned(chat, reminders="")
    assert "Step 6 of 6" not in chat.text and "Your plan" in chat.text
    assert "isn't saved and I can't remind you" in chat.text
    assert await storage.history(chat.user_id) == [] and await storage.scheduled(chat.user_id) == []


async def test_cancel_leaves_nothing_saved(chat: Chat, storage):
    await set_up(chat)
    await at_the_ideas(chat)
    await chat.send(IDEAS_TEXT)
    await chat.press("That's all")
    await chat.send("/cancel")
    assert "Nothing was saved" in chat.text
    assert await storage.history(chat.user_id) == [] and await storage.scheduled(chat.user_id) == []


async def test_it_resumes_after_a_restart_with_its_ideas(chat: Chat, engine_factory):
    await set_up(chat)
    await at_the_ideas(chat)
    await chat.send(IDEAS_TEXT)
    chat.engine = engine_factory()  # a new process, the same database
    await chat.press("That's all")
    assert "idea 1 of 3" in chat.text and "“call the gas company”" in chat.text


async def test_crisis_in_the_middle_keeps_the_question(chat: Chat):
    await set_up(chat)
    await at_the_ideas(chat)
    await chat.send("call them")
    question = chat.replies[-1].text
    await chat.send("/crisis")
    assert "116 123" in chat.text and chat.replies[-1].text == question


async def test_every_message_fits_a_phone_screen_with_the_longest_answers(chat: Chat):
    await set_up(chat)
    long_problem = ("The <b>boiler</b> & the rent: " * 20)[:400]
    idea = ("Ask Sam & Jo <i>about</i> it " * 10)[:150]
    step = ("Write to the \"landlord\" & agent " * 10)[:200]
    said = []
    said += await chat.send("/solve")
    said += await chat.send("money")
    said += await chat.send(long_problem)
    for n in range(6):
        said += await chat.send(f"{n}{idea[1:]}")
    for _ in range(12):
        said += await chat.press("10")
    said += await chat.press(chat.labels()[0])
    for day in ("Tomorrow", "Tomorrow", "Tomorrow"):
        said += await chat.send(step)
        said += await chat.press(day)
        said += await chat.press("20:00")
        if "Add another step" in chat.labels():
            said += await chat.press("Add another step")
    said += await chat.press("Remind me, and ask how it went")
    assert "Your plan" in chat.text
    for reply in said:
        markup.check(reply.text)
        assert markup.visible_length(reply.text) <= 400, markup.visible_text(reply.text)
    assert "Ask Sam &amp; Jo &lt;i&gt;" in "".join(r.text for r in said)  # their words, escaped


# --- the reminders and the look back ----------------------------------------------------


async def test_the_reminder_comes_at_their_local_time_once_and_never_names_the_step(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana)
    await ana.send("/timezone America/New_York")
    await planned(ana, step="ring the gas company about the debt", day="Today", at="18:00")
    [entry] = await entries(storage)
    assert entry.data["steps"][0]["when"] == "2026-11-24T23:00:00+00:00"  # 18:00 in New York
    clock.now = datetime(2026, 11, 24, 22, 59, 50, tzinfo=UTC)
    assert await ticker.drain() == 0
    clock.now = datetime(2026, 11, 24, 23, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    assert await ticker.drain() == 0  # never twice
    [(chat_id, [reminder])] = sent
    assert chat_id == 7 and markup.visible_text(reminder.text).startswith("Time for a step you planned.")
    words = reminder.text + " ".join(b.label + (b.data or "") for row in reminder.buttons for b in row)
    for part in ("gas", "debt", "ring", "bill", "post"):
        assert part not in words
    await ana.press_data(reminder.buttons[0][0].data)
    assert "The step you planned: “ring the gas company about the debt”." in ana.text
    assert "On Wed 25 Nov, 18:00 I'll ask how it went" in ana.text  # their time


async def test_the_look_back_the_day_after_did_it_help_and_its_sorted(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana)
    await planned(ana)  # a step tomorrow at 10:00; the look back the day after
    clock.now = datetime(2026, 11, 25, 10, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1  # the step's reminder
    clock.now = datetime(2026, 11, 26, 9, 59, tzinfo=UTC)
    assert await ticker.drain() == 0
    clock.now = datetime(2026, 11, 26, 10, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    look_back = sent[-1][1][0]
    assert markup.visible_text(look_back.text) == "Time to look back on a plan you made. It takes a minute."
    assert [b.label for row in look_back.buttons for b in row] == ["Look back now"]
    await ana.press_data(look_back.buttons[0][0].data)
    assert "Let's look back" in ana.text and "“call the gas company”" in ana.text and PROBLEM in ana.text
    assert ana.labels() == ["Yes", "Partly", "Not yet"]
    await ana.press("Partly")
    assert "Did it help?" in ana.text and len(ana.labels()) == 11
    await ana.press("7")
    assert "What next?" in ana.text
    assert ana.labels() == ["It's sorted", "Plan a next step", "Try another idea", "Leave it for now"]
    await ana.press("It's sorted")
    assert "followed them through, and it helped 7 out of 10" in ana.text
    [entry] = await entries(storage)
    assert entry.data["status"] == "sorted"
    assert entry.data["reviews"] == [{"at": "2026-11-26T10:00:05+00:00", "did": "partly", "helped": 7, "next": "sorted", "steps": 0}]
    await ana.press_data(look_back.buttons[0][0].data)  # the same button again
    assert "already looked back on that plan" in ana.text
    await ana.send("/journal solve")
    assert "Looked back: partly done · helped 7/10 · sorted" in ana.text


async def test_not_yet_then_another_idea_plans_again_with_its_own_look_back(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana)
    await planned(ana, reminders="Only ask how it went")
    clock.now = datetime(2026, 11, 26, 10, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    await ana.press_data(sent[-1][1][0].buttons[0][0].data)
    await ana.press("Not yet")
    assert "plans often need another go" in ana.text and "Did it help" not in ana.text
    await ana.press("Try another idea")
    assert "Which idea would you like to try instead?" in ana.text
    assert ana.labels() == ["ask my sister for advice", "make a budget"]  # the untried ones
    await ana.press("ask my sister for advice")
    assert "“ask my sister for advice” — let's make it small" in ana.text
    await ana.send("text her tonight")
    await ana.press("Today")
    await ana.press("20:00")
    await ana.press("That's the plan")
    assert "Planned, trying “ask my sister for advice”" in ana.text
    assert "• text her tonight · Thu 26 Nov, 20:00" in ana.text and "On Fri 27 Nov, 20:00 I'll ask how it went" in ana.text
    [entry] = await entries(storage)
    assert entry.data["chosen"] == 1 and entry.data["tried"] == [0] and entry.data["status"] == "planned"
    assert [s["text"] for s in entry.data["steps"]] == ["find the last bill", "text her tonight"]
    assert entry.data["reviews"][0]["did"] == "no" and entry.data["reviews"][0]["next"] == "idea"
    due = [r for r in await rows(storage) if r["status"] == "due"]
    assert [(r["kind"], r["due_at"]) for r in due] == [("solve_review", "2026-11-27T20:00:00+00:00")]
    clock.now = datetime(2026, 11, 27, 20, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1  # the second look back
    await ana.press_data(sent[-1][1][0].buttons[0][0].data)
    await ana.press("Yes")
    await ana.press("9")
    assert "Try another idea" in ana.labels()  # "make a budget" is still untried
    await ana.press("Plan a next step")
    assert "What's the next small step towards “ask my sister for advice”?" in ana.text


async def test_cancel_in_the_look_back_offers_it_again(ana: Chat, ticker: Ticker, clock: Clock, sent, storage):
    await set_up(ana)
    await planned(ana, reminders="Only ask how it went")
    clock.now = datetime(2026, 11, 26, 10, 0, 5, tzinfo=UTC)
    await ticker.drain()
    await ana.press_data(sent[-1][1][0].buttons[0][0].data)
    await ana.press("Yes")
    await ana.send("/cancel")
    assert "look back another time" in ana.text and ana.labels() == ["Look back now"]
    [entry] = await entries(storage)
    assert entry.data["reviews"] == [] and entry.data["status"] == "planned"
    await ana.press("Look back now")
    assert "Did you do it?" in ana.text


async def test_the_look_back_in_the_middle_of_another_practice_keeps_that_practice(
    ana: Chat, ticker: Ticker, clock: Clock, sent
):
    await set_up(ana)
    await planned(ana, reminders="Only ask how it went")
    clock.now = datetime(2026, 11, 26, 10, 0, 5, tzinfo=UTC)
    await ticker.drain()
    await ana.send("/mood")
    await ana.press_data(sent[-1][1][0].buttons[0][0].data)
    await ana.press("Yes")
    await ana.press("8")
    await ana.press("Leave it for now")
    assert "leave it there for now" in ana.text and "How is your mood right now?" in ana.text  # back to /mood


async def test_a_reminder_due_while_the_bot_was_down_is_not_sent_late(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await set_up(ana)
    await planned(ana)
    clock.now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # two hours after the step
    assert await ticker.drain() == 0 and sent == []


async def test_a_look_back_missed_while_the_bot_was_down_comes_the_day_after(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana)
    await planned(ana, reminders="Only ask how it went")  # the look back: Thu 26 Nov, 10:00
    clock.now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # two hours late
    assert await ticker.drain() == 0 and sent == []
    [entry] = await entries(storage)
    assert entry.data["review_at"] == "2026-11-27T10:00:00+00:00"
    clock.now = datetime(2026, 11, 27, 10, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    assert texts(sent) == ["Time to look back on a plan you made. It takes a minute."]


async def test_forged_or_stale_buttons_are_refused_politely(ana: Chat, storage):
    await set_up(ana)
    await ana.press_data("g:solveback:999")
    assert "isn't here any more" in ana.text
    await ana.press_data("g:solvestep:1:x")
    assert "isn't here any more" in ana.text
    other = Chat(ana.engine, user_id=8)
    await set_up(other)
    await planned(other)
    [entry] = await entries(storage, 8)
    await ana.press_data(f"g:solveback:{entry.id}")  # someone else's plan
    assert "isn't here any more" in ana.text and PROBLEM not in ana.text


# --- safety ----------------------------------------------------------------------------


async def test_someone_hurting_them_is_not_treated_as_an_ordinary_problem(chat: Chat, storage):
    await set_up(chat)
    await chat.send("/solve")
    await chat.send("my partner hits me when he drinks")
    text = chat.text
    assert "0808 2000 247" in text and text.index("0808 2000 247") < text.index("116 123")  # the abuse line first
    assert "Are you safe right now?" in text and "hits me" not in text
    await chat.press("Safe for now")
    await chat.press("Carry on")
    assert "isn't an ordinary problem" in chat.text and "0808 2000 247" in chat.text
    assert "Step 2 of 6" not in chat.text and "idea" not in chat.text.lower() and "hits me" not in chat.text
    assert chat.labels() == []
    [entry] = await entries(storage, chat.user_id)
    assert entry.data["problem"] == "my partner hits me when he drinks" and entry.data["hidden"] == ["problem"]
    assert entry.data["ended_for_safety"] is True and entry.data["status"] == "stopped"
    assert await storage.scheduled(chat.user_id) == []
    await chat.send("/journal")
    assert "Problem: (hidden)" in chat.text and "Stopped early" in chat.text and "hits me" not in chat.text


async def test_a_suicidal_idea_in_the_brainstorm_stops_kindly_and_is_never_quoted(chat: Chat, storage):
    await set_up(chat)
    await at_the_ideas(chat)
    await chat.send("call the gas company")
    await chat.send("honestly i want to kill myself")
    assert "Are you safe right now?" in chat.text and "kill myself" not in chat.text
    await chat.press("Safe for now")
    await chat.press("Carry on")
    assert "leave problem solving here" in chat.text and "/safetyplan" in chat.text
    assert "well done" not in chat.text.lower() and "kill myself" not in chat.text and "idea" not in chat.text.lower()
    [entry] = await entries(storage, chat.user_id)
    assert entry.data["hidden"] == ["ideas"] and entry.data["ideas"][1]["text"] == "honestly i want to kill myself"
    await chat.send("/journal")
    assert "kill myself" not in chat.text and "Stopped early" in chat.text


async def test_an_unwanted_thought_of_harming_someone_stops_without_calling_them_dangerous(chat: Chat, storage):
    await set_up(chat)
    await chat.send("/solve")
    await chat.send("i keep having thoughts about hurting my baby")
    assert "doesn't make you dangerous" in chat.text
    await chat.press("Safe for now")
    await chat.press("Carry on")
    assert "pause problem solving here" in chat.text and "/thought" in chat.text and "hurting my baby" not in chat.text


async def test_words_typed_where_a_number_was_asked_still_count(chat: Chat):
    await set_up(chat)
    await at_the_ideas(chat)
    await chat.send("a, b")
    await chat.press("That's all")
    await chat.send("i want to end my life")
    await chat.press("Safe for now")
    await chat.press("Carry on")
    assert "Tap a number" not in chat.text and "leave problem solving here" in chat.text


async def test_a_step_flagged_in_the_look_back_ends_it_kindly(ana: Chat, ticker: Ticker, clock: Clock, sent, storage):
    await set_up(ana)
    await planned(ana, reminders="Only ask how it went")
    clock.now = datetime(2026, 11, 26, 10, 0, 5, tzinfo=UTC)
    await ticker.drain()
    await ana.press_data(sent[-1][1][0].buttons[0][0].data)
    await ana.press("Not yet")
    await ana.press("Plan a next step")
    await ana.send("i want to kill myself")
    await ana.press("Safe for now")
    await ana.press("Carry on")
    assert "leave problem solving here" in ana.text and "kill myself" not in ana.text
    [entry] = await entries(storage)
    assert entry.data["status"] == "stopped" and "reviews" in entry.data["hidden"]
    assert entry.data["reviews"][0]["steps"] == ["i want to kill myself"]
    assert [r for r in await rows(storage) if r["status"] == "due"] == []


async def test_a_probable_signal_answered_no_goes_on_as_an_ordinary_problem(chat: Chat, probable):
    await set_up(chat)
    await chat.send("/solve")
    await chat.send(PROBABLE)
    assert "Are you having thoughts" in chat.text
    await chat.press("No, I'm OK")
    assert "What would be different" in chat.text and "too heavy" in chat.text  # vague, and quoted: not flagged


# --- the journal, /export, /delete, /progress and /learn ---------------------------------


async def test_the_journal_shows_them_and_filters_by_kind(ana: Chat):
    await set_up(ana)
    await planned(ana)
    await ana.send("/journal")
    assert "Problem solving" in ana.text and f"Problem: {PROBLEM}" in ana.text
    assert "Ideas: 3 · trying “call the gas company”" in ana.text and "• find the last bill · Wed 25 Nov, 10:00" in ana.text
    await ana.press("Problems")
    assert "Your journal: problem-solving plans" in ana.text


async def test_a_journal_page_of_the_longest_plans_stays_under_telegrams_limit(ana: Chat):
    await set_up(ana)
    for _ in range(5):
        await ana.send("/solve")
        await ana.send(("the boiler and the rent " * 20)[:400])
        await ana.send(", ".join(f"{n}" + "i" * 149 for n in range(6)))
        for _ in range(12):
            await ana.press("10")
        await ana.press(ana.labels()[0])
        for _ in range(3):
            await ana.send("s" * 200)
            await ana.press("Tomorrow")
            await ana.press("20:00")
            if "Add another step" in ana.labels():
                await ana.press("Add another step")
        await ana.press("No messages, thanks")
    pages = await journal_pages(ana)
    assert "".join(pages).count("Problem solving") == 5  # every one, page by page
    assert all(len(page) <= 400 for page in pages)  # each one phone screen


async def test_export_includes_them_with_their_reminders(ana: Chat):
    await set_up(ana)
    await planned(ana)
    [reply] = await ana.send("/export")
    document = json.loads(reply.document.content)  # type: ignore[union-attr]
    [exported] = document["entries"]["solve"]
    assert exported["problem"] == PROBLEM and exported["steps"][0]["text"] == "find the last bill"
    assert {r["kind"] for r in document["reminders"]} == {"solve_reminder", "solve_review"}


async def test_delete_removes_them_and_their_reminders(ana: Chat, ticker: Ticker, clock: Clock, sent, storage):
    await set_up(ana)
    await planned(ana)
    await ana.send("/delete")
    assert "1 problem-solving plan" in ana.text
    await ana.press("Yes, delete everything")
    assert await storage.history(7) == [] and await storage.scheduled(7) == []
    clock.now = datetime(2026, 11, 30, tzinfo=UTC)
    assert await ticker.drain() == 0 and sent == []


async def test_progress_counts_them(ana: Chat, clock: Clock, ticker: Ticker, sent):
    await set_up(ana)
    for score in (4, 5, 6):
        await log_mood(ana, score)
    await planned(ana, reminders="No messages, thanks")
    await ana.send("/progress")
    assert "Problems you worked through with /solve: 1." in ana.text
    await ana.press_data("g:week")
    assert "1 problem-solving plan" in ana.text


async def test_the_problem_solving_lesson_tries_it_now(chat: Chat):
    await set_up(chat)
    await chat.send("/learn problem_solving")
    for _ in range(3):
        await chat.press("Next ›")
    await chat.press("Try it now")
    assert "Step 1 of 6" in chat.text and "What's the problem" in chat.text


def test_the_console_runs_it(tmp_path):
    typed = [
        *CONSOLE_SET_UP, "/solve", PROBLEM, IDEAS_TEXT, "That's all", "7", "5", "6", "8", "4", "9",
        "ask my sister for advice", "text her", "Tomorrow", "10:00", "That's the plan", "Only ask how it went",
    ]
    result = run_console(tmp_path, typed)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Step 1 of 6" in out and "no judging yet" in out and "Step 6 of 6" in out
    assert "Trying: “ask my sister for advice”" in out and "I'll ask how it went" in out
    assert "<i>" not in out  # HTML shown as plain text
