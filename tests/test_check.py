"""/check: PHQ-9 and GAD-7 scored as their published instructions score them, item 9's risk,
the change since the last one, and a repeat in two weeks (engine, moving clock)."""

from __future__ import annotations

import pytest

from bot.scheduler import Ticker
from flows.lib import markup
from flows.lib.content import Content
from flows.practices.check import Questionnaires, score
from tests.conftest import Chat, Clock, set_up, texts

SAFE_QUESTION = "Are you safe right now?"

# Worked examples from the published scoring instructions (docs/questionnaires-worked-examples.md).
PHQ9 = [
    ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, "minimal"),
    ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "minimal"),
    ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild"),
    ([2, 1, 1, 2, 1, 1, 1, 0, 0], 9, "mild"),
    ([2, 2, 1, 2, 1, 1, 1, 0, 0], 10, "moderate"),
    ([2, 2, 2, 2, 2, 2, 1, 1, 0], 14, "moderate"),
    ([2, 2, 2, 2, 2, 2, 2, 1, 0], 15, "moderately severe"),
    ([3, 3, 2, 3, 2, 2, 2, 2, 0], 19, "moderately severe"),
    ([3, 3, 2, 3, 2, 2, 2, 2, 1], 20, "severe"),
    ([3, 3, 3, 3, 3, 3, 3, 3, 3], 27, "severe"),
]
GAD7 = [
    ([0, 0, 0, 0, 0, 0, 0], 0, "minimal"),
    ([1, 1, 1, 1, 0, 0, 0], 4, "minimal"),
    ([1, 1, 1, 1, 1, 0, 0], 5, "mild"),
    ([2, 2, 1, 1, 1, 1, 1], 9, "mild"),
    ([2, 2, 2, 1, 1, 1, 1], 10, "moderate"),
    ([2, 2, 2, 2, 2, 2, 2], 14, "moderate"),
    ([3, 2, 2, 2, 2, 2, 2], 15, "severe"),
    ([3, 3, 3, 3, 3, 3, 3], 21, "severe"),
]


def named(content: Content, q_id: str):
    return next(q for q in content.of(Questionnaires).questionnaire if q.id == q_id)


@pytest.mark.parametrize("q_id, examples", [("phq9", PHQ9), ("gad7", GAD7)])
def test_scoring_matches_the_published_worked_examples(content: Content, q_id, examples):
    q = named(content, q_id)
    for answers, total, band in examples:
        assert score(q, answers) == (total, band)
    with pytest.raises(ValueError):
        score(q, [1] * (len(q.items) - 1))


def test_the_wording_and_licence_are_sourced(content: Content):
    data = content.of(Questionnaires)
    assert data.licence == "No permission required to reproduce, translate, display or distribute."
    assert data.licence_source.startswith("https://")
    phq9, gad7 = named(content, "phq9"), named(content, "gad7")
    assert len(phq9.items) == 9 and len(gad7.items) == 7 and phq9.risk_item == 9 and gad7.risk_item is None
    assert phq9.answers == gad7.answers == ["Not at all", "Several days", "More than half the days", "Nearly every day"]
    assert (phq9.reliable_change, gad7.reliable_change) == (6, 4)
    assert "better off dead" in phq9.items[8]


async def take(chat: Chat, q_name: str, answers: list[int]) -> None:
    await chat.send("/check")
    await chat.press(q_name)
    labels = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
    for answer in answers:
        await chat.press(labels[answer])


async def test_a_questionnaire_item_by_item_to_its_score_band_and_change(ana: Chat):
    await set_up(ana)
    await ana.send("/check")
    assert ana.labels() == ["PHQ-9", "GAD-7"] and "anxiety" in ana.text
    await ana.press("GAD-7")
    assert "question 1 of 7" in ana.text and "Over the last 2 weeks" in ana.text
    assert ana.labels() == ["Not at all", "Several days", "More than half the days", "Nearly every day"]
    # A tap on the question's message: the next question replaces it (an edit, not a new message).
    replies = await ana.incoming(kind="button", data=ana.button_data("Several days"), message_id=50)
    assert [r.edit for r in replies] == ["text"] and "question 2 of 7" in ana.text
    for _ in range(6):
        await ana.press("More than half the days")
    result = markup.visible_text(ana.text)
    assert "GAD-7: 13 out of 21" in result and "suggests moderate symptoms of anxiety" in result
    assert "not a diagnosis" in result and "doctor or therapist" in result
    assert {"A calm check-in", "Look at a thought"} <= set(ana.labels())  # next steps, as buttons
    await take(ana, "GAD-7", [1, 1, 1, 1, 1, 1, 3])  # 9: down 4, a reliable change
    assert "Down 4 since your last one, a change big enough" in markup.visible_text(ana.text)
    await take(ana, "GAD-7", [1, 1, 1, 1, 1, 1, 2])  # 8: down 1, within the wobble
    assert "within how much scores can wobble" in markup.visible_text(ana.text)
    await ana.send("/journal check")
    assert "GAD-7: 8 (mild)" in markup.visible_text(ana.text)


@pytest.mark.parametrize("answer", ["Several days", "More than half the days", "Nearly every day"])
async def test_item_9_above_not_at_all_brings_the_safety_response_at_once(ana: Chat, storage, answer):
    await set_up(ana)
    await take(ana, "PHQ-9", [0] * 8)
    assert "question 9 of 9" in ana.text
    await ana.press(answer)
    assert SAFE_QUESTION in ana.text and "116 123" in ana.text  # their country's line, before the result
    assert "out of 27" not in ana.text
    await ana.press("Safe for now")
    await ana.press("Carry on")
    assert "PHQ-9: " in ana.text and "out of 27" in ana.text  # the tap still counts
    assert len(await storage.risk_events(ana.user_id)) == 1


async def test_item_9_not_at_all_is_an_ordinary_answer(ana: Chat, storage):
    await set_up(ana)
    await take(ana, "PHQ-9", [0] * 9)
    assert SAFE_QUESTION not in ana.text and "PHQ-9: 0 out of 27" in markup.visible_text(ana.text)
    assert await storage.risk_events(ana.user_id) == []


async def test_a_restart_in_the_middle_continues(ana: Chat, engine_factory, clock: Clock):
    await set_up(ana)
    await take(ana, "PHQ-9", [1, 1, 1])
    asked = ana.replies[-1].text
    ana.engine = engine_factory(clock)  # a new process, the same database
    assert [r.text for r in await ana.engine.current_prompt(ana.user_id, ana.user_id)] == [asked]
    for _ in range(6):
        await ana.press("Not at all")
    assert "PHQ-9: 3 out of 27" in markup.visible_text(ana.text)


async def test_a_repeat_in_two_weeks_is_one_neutral_reminder(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await set_up(ana)
    await take(ana, "GAD-7", [0] * 7)
    await ana.press("Remind me in 2 weeks")
    clock.move(days=13)
    assert await ticker.drain() == 0
    clock.move(days=1, minutes=1)
    assert await ticker.drain() == 1 and await ticker.drain() == 0
    assert "time for your short questionnaire" in texts(sent)[-1] and "GAD" not in texts(sent)[-1]
    _, [due] = sent[-1]
    await ana.press_data(due.buttons[0][0].data)
    assert "GAD-7 · question 1 of 7" in markup.visible_text(ana.text)


async def test_results_are_in_the_export_and_go_with_delete(ana: Chat):
    import json

    await set_up(ana)
    await take(ana, "PHQ-9", [1] * 9)
    [export] = await ana.send("/export")
    saved = json.loads(export.document.content)["entries"]["check"]
    assert [(r["questionnaire"], r["total"], r["band"]) for r in saved] == [("phq9", 9, "mild")]
    await ana.send("/delete")
    assert "1 questionnaire result" in markup.visible_text(ana.text)
    await ana.press("Yes, delete everything")
    assert await ana.engine.store.history(ana.user_id) == []
