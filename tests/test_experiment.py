"""/experiment (a behavioural experiment), its reminder and its follow-up, through the real
engine and storage, with a clock the tests move (no sleeping) and the real tick."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.scheduler import Ticker
from flows.dialogue.core import Reply, Settings
from flows.lib import markup
from flows.lib.content import Content
from flows.practices import experiment
from flows.practices.experiment import Examples
from tests.conftest import CONSOLE_SET_UP, Chat, Clock, journal_pages, log_mood, run_console, set_up

BELIEF = "If I speak up in the meeting, people will think I'm stupid"
PREDICTION = "My voice will shake and someone will laugh"
KNOW = "I'll watch their faces and listen for laughing"
WHAT = "Ask one question at the Thursday meeting"
WHERE = "The meeting room at work"
OUTCOME = "My voice shook a bit but nobody laughed; Sam answered my question"
LEARNED = "People were kinder than I expected"
LONG = ("Tom & <b>Sam</b> said “no” " * 20)[:300]  # the longest typed answer, with characters HTML escapes


def button(reply: Reply, label: str) -> str:
    for row in reply.buttons:
        for b in row:
            if b.label == label:
                assert b.data is not None
                return b.data
    raise AssertionError(f"no {label!r} in {[b.label for row in reply.buttons for b in row]}")


async def experiments(storage, user_id: int = 7) -> list:
    return [e for e in await storage.history(user_id) if e.kind == "experiment"]


async def rows(storage, user_id: int = 7, status: str | None = "due") -> list[dict]:
    return [
        row for row in await storage.scheduled(user_id)
        if row["kind"].startswith("experiment") and (status is None or row["status"] == status)
    ]  # fmt: skip


async def plan_experiment(chat, day: str = "Tomorrow", at: str = "18:00", strength: str = "80", *,
                          belief: str = BELIEF, obstacles: str | None = None) -> list:  # fmt: skip
    """/experiment from the start to its saved plan (no experiment pending); the last replies."""
    await chat.send("/experiment")
    await chat.send(belief)
    await chat.press(strength)
    await chat.send(PREDICTION)
    await chat.send(KNOW)
    await chat.send(WHAT)
    await chat.press(day)
    await (chat.press(at) if at in chat.labels() else chat.send(at))
    await chat.send(WHERE)
    return await (chat.send(obstacles) if obstacles else chat.press("Nothing I can think of"))


async def look_back(chat, outcome: str = OUTCOME, compared: str = "Partly", learned: str = LEARNED,
                    after: str = "40") -> list:  # fmt: skip
    """From "What actually happened?" to the end."""
    await chat.send(outcome)
    await chat.press(compared)
    await chat.send(learned)
    return await chat.press(after)


# --- planning --------------------------------------------------------------------------


async def test_planning_an_experiment_step_by_step_saves_it_with_a_reminder_and_a_follow_up(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/experiment")
    assert "small, safe test of something you believe" in ana.text
    assert "Step 1 of 3 · the belief" in ana.text and ana.labels() == ["See an example"]
    await ana.send(BELIEF)
    assert "How strongly do you believe it" in ana.text and BELIEF in ana.text
    assert ana.labels() == [str(n) for n in range(0, 101, 10)]  # 0, 10, ... 100
    await ana.send("75")  # typed numbers work too
    assert "Step 2 of 3 · the prediction" in ana.text
    assert f"{BELIEF}\nIf that's true, what exactly will happen?" in ana.text  # quoted back
    await ana.send(PREDICTION)
    assert "How will you know whether it happened?" in ana.text
    await ana.send(KNOW)
    assert "Step 3 of 3 · the experiment" in ana.text and "What will you do to test it?" in ana.text
    await ana.send(WHAT)
    assert f"“{WHAT}” — which day will you do it?" in ana.text
    await ana.press("Tomorrow")
    assert "What time tomorrow?" in ana.text
    await ana.press("18:00")
    assert "Where will you be?" in ana.text
    await ana.send(WHERE)
    assert "What might get in the way" in ana.text
    await ana.send("I might chicken out, so I'll write the question down first")
    assert "planned for Wed 25 Nov, 18:00" in ana.text
    assert f"The prediction to check: “{PREDICTION}”" in ana.text
    assert "ask how it went around Wed 25 Nov, 20:00" in ana.text
    assert "Neither will say what it's about" in ana.text
    [entry] = await experiments(storage)
    assert entry.data == {
        "belief": BELIEF,
        "belief_before": 75,
        "prediction": PREDICTION,
        "know": KNOW,
        "what": WHAT,
        "where": WHERE,
        "obstacles": "I might chicken out, so I'll write the question down first",
        "when": "2026-11-25T18:00:00+00:00",
        "follow_up": "2026-11-25T20:00:00+00:00",
        "status": "planned",
        "kept_only_until_answered": False,
        "hidden": [],
    }
    reminder, follow_up = sorted(await rows(storage), key=lambda r: r["due_at"])
    assert (reminder["kind"], reminder["due_at"], reminder["entry"]) == ("experiment_reminder", entry.data["when"], entry.id)
    assert (follow_up["kind"], follow_up["due_at"], follow_up["entry"]) == ("experiment_followup", entry.data["follow_up"], entry.id)


async def test_wrong_answers_get_specific_reprompts(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/experiment")
    await ana.send(BELIEF)
    await ana.send("very much")
    assert "Tap a number, or type one from 0 to 100" in ana.text
    await ana.send("150")
    assert "from 0 to 100" in ana.text
    await ana.send("65%")
    await ana.send(PREDICTION)
    await ana.send(KNOW)
    await ana.send(WHAT)
    await ana.send("next year")
    assert "Tap a day, or type one" in ana.text
    await ana.send("today")
    await ana.send("09:30")
    assert "It's already 12:00 where you are, so that time has passed" in ana.text
    await ana.send("teatime")
    assert "couldn't read that as a time" in ana.text
    await ana.send("7pm")
    await ana.send(WHERE)
    await ana.press("Nothing I can think of")
    assert "planned for Tue 24 Nov, 19:00" in ana.text
    [entry] = await experiments(storage)
    assert entry.data["belief_before"] == 65 and entry.data["obstacles"] is None


async def test_a_follow_up_that_would_come_at_night_comes_the_next_morning(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/timezone Europe/Berlin")  # 13:00 there
    await plan_experiment(ana, day="Tomorrow", at="20:30")
    assert "ask how it went around Thu 26 Nov, 09:00" in ana.text
    [entry] = await experiments(storage)
    assert entry.data["when"] == "2026-11-25T19:30:00+00:00"  # 20:30 in Berlin
    assert entry.data["follow_up"] == "2026-11-26T08:00:00+00:00"  # 09:00 in Berlin, not 22:30


@pytest.mark.parametrize("local, follow_up", [
    ("2026-11-25T18:00", "2026-11-25T20:00"),
    ("2026-11-25T19:59", "2026-11-25T21:59"),
    ("2026-11-25T20:00", "2026-11-26T09:00"),  # 22:00: the night
    ("2026-11-25T23:30", "2026-11-26T09:00"),
    ("2026-11-25T05:00", "2026-11-25T09:00"),  # 07:00: too early
    ("2026-11-25T06:00", "2026-11-25T08:00"),
])
def test_follow_up_time_keeps_out_of_the_night_in_their_zone(content: Content, local: str, follow_up: str):
    from zoneinfo import ZoneInfo

    from flows.dialogue.core import Ctx

    zone = ZoneInfo("America/New_York")
    ctx = Ctx.bare(content, datetime(2026, 11, 24, tzinfo=UTC), Settings(timezone="America/New_York"))
    planned = datetime.fromisoformat(local).replace(tzinfo=zone)
    assert experiment.follow_up_time(planned, ctx).astimezone(zone) == datetime.fromisoformat(follow_up).replace(tzinfo=zone)


# --- examples ----------------------------------------------------------------------------


async def test_see_an_example_shows_one_story_step_by_step_in_the_questions_own_message(ana: Chat, content: Content):
    stories = content.of(Examples).example
    await set_up(ana)
    await ana.send("/experiment")
    await ana.incoming(kind="button", data=ana.button_data("See an example"), message_id=5)  # a tap on its message
    [reply] = ana.replies
    assert reply.edit == "text"  # shown in the question's own message
    assert f"Example · {stories[0].area}" in ana.text and stories[0].belief in ana.text
    assert f"Believed {stories[0].strength} out of 100" in ana.text
    assert ana.labels() == ["Another example"]
    await ana.press("Another example")
    assert f"Example · {stories[1].area}" in ana.text and stories[1].belief in ana.text
    await ana.send(BELIEF)
    await ana.press("80")
    assert "Example" not in ana.text and ana.labels() == ["See an example"]  # closed again on the next step
    await ana.press("See an example")
    assert stories[1].prediction in ana.text  # the same story, its prediction
    for story in [*stories[2:], stories[0]]:  # round and round
        await ana.press("Another example")
        assert story.prediction in ana.text
    await ana.send(PREDICTION)
    await ana.press("See an example")
    assert stories[0].know in ana.text


def test_the_examples_cover_four_areas_each_with_a_prediction_a_person_can_check(content: Content):
    stories = {story.area: story for story in content.of(Examples).example}
    assert {"Social anxiety", "Health worry", "Perfectionism", "Low mood"} <= set(stories)
    for story in stories.values():
        # A checkable prediction: something seen, heard or counted, and how they would know.
        assert story.prediction and story.know and story.outcome
        assert story.compared in ("as_predicted", "partly", "not_at_all")
        assert story.rerated != story.strength


def test_a_broken_example_names_the_file_and_field(tmp_path: Path):
    import shutil

    from flows.lib.content import ContentError

    root = tmp_path / "content"
    shutil.copytree(Path(experiment.__file__).resolve().parents[2] / "content", root)
    path = root / "practices" / "experiment.toml"
    path.write_text(path.read_text().replace('compared = "partly"', 'compared = "sort of"', 1))
    with pytest.raises(ContentError, match=r"experiment.toml: example.0.compared"):
        Content(root)


# --- every message fits a phone screen -------------------------------------------------


async def test_every_message_fits_a_phone_screen_with_the_longest_answers_and_every_example(
    ana: Chat, ticker: Ticker, clock: Clock, sent, content: Content
):
    count = len(content.of(Examples).example)
    said: list[Reply] = []

    async def step(send) -> None:
        said.extend(await send)

    async def with_examples() -> None:
        """Every example at this question, then the longest answer."""
        await step(ana.press("See an example"))
        for _ in range(count):
            await step(ana.press("Another example"))
        await step(ana.send(LONG))

    await set_up(ana)
    await step(ana.send("/experiment"))
    await with_examples()  # belief
    await step(ana.press("90"))
    for _ in range(3):  # prediction, how they'll know, what
        await with_examples()
    await step(ana.press("Tomorrow"))
    await step(ana.press("18:00"))
    await with_examples()  # where (refused: longer than a place needs)
    await step(ana.send(LONG[:200]))
    await with_examples()  # obstacles
    await step(ana.send("/experiment"))  # one pending: look back on it, or a new one?
    clock.now = datetime(2026, 11, 25, 18, 0, 5, tzinfo=UTC)
    await ticker.drain()
    await step(ana.press_data(button(sent[-1][1][0], "Show my plan")))
    clock.now = datetime(2026, 11, 25, 20, 0, 5, tzinfo=UTC)
    await ticker.drain()
    await step(ana.press_data(button(sent[-1][1][0], "Tell me how it went")))
    await with_examples()  # what happened
    await step(ana.press("Not at all"))
    await with_examples()  # what they learned
    await step(ana.press("20"))
    assert "Your experiment" in markup.visible_text(said[-2].text)
    said.extend(r for _, replies in sent for r in replies)
    for reply in said:
        markup.check(reply.text)
        assert markup.visible_length(reply.text) <= 400, markup.visible_text(reply.text)
    assert any("…" in markup.visible_text(r.text) for r in said)  # long answers were shortened


# --- the reminder and the follow-up -----------------------------------------------------


async def test_the_reminder_and_the_follow_up_come_once_at_their_local_time_with_neutral_words(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana)
    await ana.send("/timezone America/New_York")  # 07:00 there
    await plan_experiment(ana, day="Today", at="18:00")
    assert "planned for Tue 24 Nov, 18:00" in ana.text  # in their time
    [entry] = await experiments(storage)
    assert entry.data["when"] == "2026-11-24T23:00:00+00:00"
    clock.now = datetime(2026, 11, 24, 22, 59, 50, tzinfo=UTC)
    assert await ticker.drain() == 0
    clock.now = datetime(2026, 11, 24, 23, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    assert await ticker.drain() == 0  # never twice
    [(chat_id, [reminder])] = sent
    assert chat_id == 7
    assert markup.visible_text(reminder.text).startswith("It's time for the plan you made.")
    assert [b.label for row in reminder.buttons for b in row] == ["Show my plan"]
    await ana.press_data(button(reminder, "Show my plan"))  # behind a tap: the plan itself
    assert WHAT in ana.text and PREDICTION in ana.text and KNOW in ana.text

    clock.now = datetime(2026, 11, 25, 0, 59, 50, tzinfo=UTC)  # 19:59 in New York
    assert await ticker.drain() == 0
    clock.now = datetime(2026, 11, 25, 1, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    assert await ticker.drain() == 0
    follow_up = sent[-1][1][0]
    assert markup.visible_text(follow_up.text) == "A couple of questions about your plan, whenever you have a moment."
    assert [b.label for row in follow_up.buttons for b in row] == ["Tell me how it went", "Later"]
    for reply in (reminder, follow_up):  # a locked screen may show them: nothing of the plan
        words = reply.text + " ".join(b.label + (b.data or "") for row in reply.buttons for b in row)
        for part in ("meeting", "stupid", "voice", "laugh", "speak", "thursday", "experiment", "belief"):
            assert part not in words.lower(), part


async def test_looking_back_sets_the_outcome_against_the_prediction_and_re_rates_the_belief(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana)
    await plan_experiment(ana, strength="80")
    clock.now = datetime(2026, 11, 25, 20, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1  # the reminder's time passed more than an hour ago: only the follow-up
    await ana.press_data(button(sent[-1][1][0], "Tell me how it went"))
    assert "Looking back, 1 of 2" in ana.text and f"You predicted:\n{PREDICTION}" in ana.text
    assert "What actually happened?" in ana.text
    assert ana.labels() == ["See an example", "I didn't get to it"]
    await ana.send(OUTCOME)
    assert "How did that compare with your prediction?" in ana.text and KNOW in ana.text
    assert ana.labels() == ["As predicted", "Partly", "Not at all"]
    await ana.send("kind of")
    assert "Tap one: As predicted, Partly, or Not at all." in ana.text
    await ana.send("partly")  # a typed label works
    assert "Looking back, 2 of 2" in ana.text and "So some of it happened, and some didn't." in ana.text
    assert "What did you learn?" in ana.text
    await ana.send(LEARNED)
    assert BELIEF in ana.text and "Before, you believed it 80 out of 100" in ana.text
    await ana.press("40")
    summary, said = (markup.visible_text(r.text) for r in ana.replies)
    assert summary.splitlines() == [
        "Your experiment",
        f"Predicted: {PREDICTION}",
        f"What happened: {OUTCOME}",
        "Compared: partly as predicted",
        f"Learned: {LEARNED}",
        "Belief: 80 → 40",
    ]
    assert "loosened from 80 to 40" in said and "Saved" in said
    assert ana.labels() == ["Look at a thought", "Plan something small"]  # next steps, as buttons
    [entry] = await experiments(storage)
    assert {k: entry.data[k] for k in ("status", "outcome", "compared", "learned", "belief_before", "belief_after")} == {
        "status": "done", "outcome": OUTCOME, "compared": "partly", "learned": LEARNED, "belief_before": 80, "belief_after": 40,
    }
    assert await rows(storage) == []
    await ana.send("/journal experiments")  # the journal sets the prediction against the outcome
    assert f"Predicted: {PREDICTION}" in ana.text
    assert f"What happened (partly as predicted): {OUTCOME}" in ana.text
    assert "Belief 80% → 40%" in ana.text
    await ana.press_data(button(sent[-1][1][0], "Tell me how it went"))  # the same follow-up again
    assert "already looked back on that experiment" in ana.text


async def test_as_predicted_is_met_kindly(ana: Chat, storage):
    await set_up(ana)
    await plan_experiment(ana, strength="70")
    [entry] = await experiments(storage)
    await ana.press_data(f"g:xp:{entry.id}:review")  # before the follow-up: fine too
    await look_back(ana, compared="As predicted", after="70")
    assert "It went as the belief predicted this time. That's still useful" in ana.text


async def test_experiment_when_one_is_pending_offers_to_look_back_on_it(ana: Chat, clock: Clock, storage):
    await set_up(ana)
    await plan_experiment(ana)
    await ana.send("/experiment")
    assert "You have an experiment planned for Wed 25 Nov, 18:00" in ana.text
    assert ana.labels() == ["How it went", "Plan a new one"]
    await ana.send("hmm")
    assert "Tap “How it went”" in ana.text
    await ana.press("Plan a new one")
    assert "Step 1 of 3 · the belief" in ana.text
    await ana.send("/cancel")
    clock.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # after it, follow-up or not
    await ana.send("/experiment")
    assert "You have an experiment to look back on, from Wed 25 Nov, 18:00" in ana.text
    await ana.press("How it went")
    assert "What actually happened?" in ana.text
    await look_back(ana)
    assert "loosened from 80 to 40" in ana.text
    await ana.send("/experiment")  # nothing pending now: a new one
    assert "Step 1 of 3 · the belief" in ana.text


async def test_the_earliest_pending_one_is_offered_first(ana: Chat, storage):
    await set_up(ana)
    await plan_experiment(ana, day="Tomorrow", at="18:00", belief="Later belief")
    await ana.send("/experiment")
    await ana.press("Plan a new one")
    await ana.send("Earlier belief")
    for answer in ("50", PREDICTION, KNOW, WHAT, "Today", "15:00", WHERE, "Nothing I can think of"):
        await (ana.press(answer) if answer in ana.labels() else ana.send(answer))
    await ana.send("/experiment")
    assert "planned for Tue 24 Nov, 15:00" in ana.text
    await ana.press("How it went")
    await look_back(ana)
    statuses = {e.data["belief"]: e.data["status"] for e in await experiments(storage)}
    assert statuses == {"Earlier belief": "done", "Later belief": "planned"}


async def test_i_didnt_get_to_it_closes_it_kindly(ana: Chat, ticker: Ticker, clock: Clock, sent, storage):
    await set_up(ana)
    await plan_experiment(ana)
    [entry] = await experiments(storage)
    await ana.press_data(f"g:xp:{entry.id}:review")
    await ana.press("I didn't get to it")
    assert "That happens" in ana.text and "/experiment plans it again" in ana.text
    assert (await experiments(storage))[0].data["status"] == "not_done"
    assert await rows(storage) == []  # neither the reminder nor the follow-up comes now
    clock.now = datetime(2026, 11, 25, 20, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 0 and sent == []
    await ana.send("/journal experiments")
    assert "Not done this time (planned for Wed 25 Nov, 18:00)" in ana.text


async def test_later_on_the_follow_up_leaves_it_for_experiment(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await set_up(ana)
    await plan_experiment(ana, day="Today", at="15:00")
    clock.now = datetime(2026, 11, 24, 17, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    await ana.press_data(button(sent[-1][1][0], "Later"))
    assert "Whenever you're ready, /experiment picks it up." in ana.text
    await ana.send("/experiment")
    assert "to look back on" in ana.text


async def test_a_follow_up_missed_while_the_bot_was_down_still_waits_in_experiment(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana)
    await plan_experiment(ana, day="Today", at="15:00")
    clock.now = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # down since 14:00
    assert await ticker.drain() == 0 and sent == []  # too late to send either
    await ana.send("/experiment")
    assert "You have an experiment to look back on, from Tue 24 Nov, 15:00" in ana.text


async def test_the_follow_up_in_the_middle_of_mood_comes_back_to_mood(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await set_up(ana)
    await plan_experiment(ana, day="Today", at="15:00")
    clock.now = datetime(2026, 11, 24, 17, 0, 5, tzinfo=UTC)
    await ticker.drain()
    follow_up = sent[-1][1][0]
    await ana.send("/mood")
    await ana.press("4")
    assert "Any words" in ana.text
    await ana.press_data(button(follow_up, "Tell me how it went"))
    assert "What actually happened?" in ana.text
    await ana.press_data(button(follow_up, "Tell me how it went"))  # a double tap only asks again
    assert "What actually happened?" in ana.text and "Any words" not in ana.text
    await look_back(ana)
    assert "loosened" in ana.text and "Any words" in ana.text  # /mood comes back
    await ana.press("Skip")
    await ana.press("Skip")
    assert "Saved: mood 4" in ana.text


async def test_a_forged_or_stale_id_is_refused_politely(ana: Chat, storage):
    await set_up(ana)
    for data in ("g:xp:999:review", "g:xp:x:show", "g:xp:1:later"):
        await ana.press_data(data)
        assert "That experiment isn't here any more" in ana.text, data
    await plan_experiment(ana)
    [entry] = await experiments(storage)
    await ana.press_data(f"g:xp:{entry.id}:explode")
    assert "isn't here any more" in ana.text
    ben = Chat(ana.engine, user_id=8)  # someone else pressing a button with Ana's id
    await set_up(ben)
    for what in ("review", "show"):
        await ben.press_data(f"g:xp:{entry.id}:{what}")
        assert "isn't here any more" in ben.text and PREDICTION not in ben.text
    await log_mood(ana, 5)  # another kind's id is not an experiment
    mood_id = next(e.id for e in await storage.history(7) if e.kind == "mood")
    await ana.press_data(f"g:xp:{mood_id}:review")
    assert "isn't here any more" in ana.text
    assert (await experiments(storage))[0].data["status"] == "planned"


# --- /cancel, a restart, consent ---------------------------------------------------------


async def test_cancel_midway_leaves_nothing_planned(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/experiment")
    await ana.send(BELIEF)
    await ana.press("80")
    await ana.send(PREDICTION)
    await ana.send(KNOW)
    await ana.send(WHAT)
    await ana.press("Tomorrow")
    await ana.send("/cancel")
    assert "Stopped. Nothing was planned." in ana.text
    assert await storage.history(7) == [] and await rows(storage, status=None) == []


async def test_cancelling_the_looking_back_keeps_it_waiting(ana: Chat, storage):
    await set_up(ana)
    await plan_experiment(ana)
    [entry] = await experiments(storage)
    await ana.press_data(f"g:xp:{entry.id}:review")
    await ana.send(OUTCOME)
    await ana.send("/cancel")
    assert "we'll look back another time" in ana.text
    [entry] = await experiments(storage)
    assert entry.data["status"] == "planned" and "outcome" not in entry.data
    assert len(await rows(storage)) == 2


async def test_an_experiment_in_progress_survives_a_restart(ana: Chat, engine_factory, clock, storage):
    await set_up(ana)
    await ana.send("/experiment")
    await ana.send(BELIEF)
    await ana.press("80")
    ana.engine = engine_factory(clock)  # a new process, same database
    await ana.send(PREDICTION)
    assert "How will you know" in ana.text
    await ana.send(KNOW)
    await ana.send(WHAT)
    await ana.press("Tomorrow")
    ana.engine = engine_factory(clock)
    await ana.press("18:00")
    await ana.send(WHERE)
    await ana.press("Nothing I can think of")
    assert "planned for Wed 25 Nov, 18:00" in ana.text
    [entry] = await experiments(storage)
    assert entry.data["prediction"] == PREDICTION


async def test_crisis_in_the_middle_answers_at_once_and_asks_the_question_again(ana: Chat):
    await set_up(ana)
    await ana.send("/experiment")
    await ana.send(BELIEF)
    await ana.send("/crisis")
    assert "116 123" in ana.text and "How strongly do you believe it" in ana.text
    await ana.press("80")
    assert "Step 2 of 3" in ana.text


async def test_without_consent_it_is_kept_only_until_it_is_looked_back_on(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana, consent="No, don't keep them")
    await plan_experiment(ana)
    assert "kept only until you tell me how it went" in ana.text
    [entry] = await experiments(storage)
    assert entry.data["kept_only_until_answered"] is True
    clock.now = datetime(2026, 11, 25, 20, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    await ana.press_data(button(sent[-1][1][0], "Tell me how it went"))
    await look_back(ana)
    assert "now deleted" in ana.text
    assert await storage.history(7) == [] and await rows(storage, status="due") == []


# --- safety --------------------------------------------------------------------------------


async def test_a_belief_that_speaks_of_suicide_ends_it_kindly_and_is_never_quoted(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/experiment")
    await ana.send("If I tell anyone I want to kill myself they will leave")
    assert "Are you safe right now" in ana.text and "116 123" in ana.text  # the safety response first
    assert "kill" not in ana.text
    await ana.press("Safe for now")
    await ana.press("Carry on")
    assert "Let's leave the experiment here" in ana.text and "kill" not in ana.text
    assert "How strongly" not in ana.text
    [entry] = await experiments(storage)
    assert entry.data["status"] == "stopped" and entry.data["hidden"] == ["belief"]
    assert entry.data["belief"].startswith("If I tell anyone")  # still theirs
    assert await rows(storage, status=None) == []  # nothing planned
    await ana.send("/journal experiments")
    assert "Belief: (hidden)" in ana.text and "Stopped early" in ana.text and "kill" not in ana.text
    await ana.send("/experiment")  # nothing pending
    assert "Step 1 of 3" in ana.text


async def test_being_hurt_is_not_a_prediction_to_test(ana: Chat, storage):
    await set_up(ana)
    await plan_experiment(ana)
    [entry] = await experiments(storage)
    await ana.press_data(f"g:xp:{entry.id}:review")
    await ana.send("my partner hits me when I speak up")
    await ana.press("Safe for now")
    await ana.press("Carry on")
    assert "Being hurt or threatened by someone isn't a belief to test" in ana.text
    assert "hits" not in ana.text
    [entry] = await experiments(storage)
    assert entry.data["status"] == "stopped" and entry.data["hidden"] == ["outcome"]
    assert await rows(storage) == []


async def test_flagged_words_that_do_not_end_it_are_kept_but_never_quoted_back(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/experiment")
    await ana.send("Sometimes I get thoughts of hurting my baby, so I must be dangerous")
    assert "baby" not in ana.text
    await ana.press("Safe for now")
    await ana.press("Carry on")
    assert "How strongly do you believe it" in ana.text and "baby" not in ana.text
    await ana.press("90")
    assert "If the belief you wrote is true, what exactly will happen?" in ana.text and "baby" not in ana.text
    for answer in (PREDICTION, KNOW, WHAT, "Tomorrow", "10:00", WHERE, "Nothing I can think of"):
        await (ana.press(answer) if answer in ana.labels() else ana.send(answer))
    assert "planned for Wed 25 Nov, 10:00" in ana.text
    [entry] = await experiments(storage)
    assert entry.data["hidden"] == ["belief"] and "baby" in entry.data["belief"]
    await ana.press_data(f"g:xp:{entry.id}:review")
    await ana.send(OUTCOME)
    await ana.press("Not at all")
    await ana.send(LEARNED)
    assert "Before, you believed it 90 out of 100" in ana.text and "baby" not in ana.text
    await ana.press("60")
    assert "Belief: 90 → 60" in ana.text and "baby" not in ana.text
    await ana.send("/journal experiments")
    assert "Belief: (hidden)" in ana.text and "baby" not in ana.text


# --- the journal, /export, /delete, /progress, /learn ---------------------------------------


async def test_the_journal_shows_a_planned_experiment(ana: Chat):
    await set_up(ana)
    await plan_experiment(ana, belief="Tea & <b>cake</b> will make me sick")
    await ana.send("/journal")
    assert "Experiment" in ana.text and "Belief: Tea & <b>cake</b> will make me sick" in ana.text  # shown as typed
    assert "Tea &amp; &lt;b&gt;cake" in ana.replies[0].text  # escaped in the HTML
    assert f"Predicted: {PREDICTION}" in ana.text and "Planned for Wed 25 Nov, 18:00 · belief 80%" in ana.text
    assert "Experiments" in ana.labels()


async def test_a_journal_page_of_the_longest_experiments_stays_under_telegrams_limit(ana: Chat):
    await set_up(ana)
    for _ in range(5):
        await ana.send("/experiment")
        if "Plan a new one" in ana.labels():
            await ana.press("Plan a new one")
        for answer in (LONG, "90", LONG, LONG, LONG, "Tomorrow", "10:00", LONG[:200], LONG):
            await (ana.press(answer) if answer in ana.labels() else ana.send(answer))
        await ana.send("/experiment")
        await ana.press("How it went")
        await look_back(ana, outcome=LONG, compared="Not at all", learned=LONG, after="10")
    pages = await journal_pages(ana, "/journal experiments")
    assert "".join(pages).count("Predicted: ") == 5 and "…" in "".join(pages)  # every one, page by page
    assert all(len(page) <= 400 for page in pages)  # each one phone screen


async def test_export_includes_experiments(ana: Chat):
    await set_up(ana)
    await plan_experiment(ana)
    await ana.send("/export")
    data = json.loads(ana.replies[0].document.content)  # type: ignore[union-attr]
    [entry] = data["entries"]["experiment"]
    assert entry["prediction"] == PREDICTION and entry["status"] == "planned"
    assert {row["kind"] for row in data["reminders"]} == {"experiment_reminder", "experiment_followup"}


async def test_delete_removes_experiments_and_their_reminders(ana: Chat, ticker: Ticker, clock: Clock, sent, storage):
    await set_up(ana)
    await plan_experiment(ana)
    await ana.send("/delete")
    assert "1 experiment" in ana.text
    await ana.press("Yes, delete everything")
    assert "1 experiment" in ana.text
    assert await storage.history(7) == [] and await rows(storage, status=None) == []
    clock.now = datetime(2026, 11, 25, 18, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 0
    clock.now = datetime(2026, 11, 25, 20, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 0 and sent == []


async def test_progress_counts_experiments_and_the_weekly_summary_names_them(ana: Chat):
    await set_up(ana)
    for score in (4, 5, 6):
        await log_mood(ana, score)
    await plan_experiment(ana)
    await ana.send("/experiment")
    await ana.press("How it went")
    await look_back(ana)
    await ana.send("/progress")
    assert "Experiments looked back on: 1." in ana.text
    await ana.press_data("g:week")
    assert "1 experiment" in ana.text


async def test_the_lesson_on_experiments_tries_it_now(ana: Chat):
    await set_up(ana)
    await ana.send("/learn behavioural_experiments")
    for _ in range(3):
        await ana.press("Next ›")
    await ana.press("Try it now")
    assert "small, safe test of something you believe" in ana.text and "Step 1 of 3 · the belief" in ana.text


# --- the console -------------------------------------------------------------------------


def test_the_console_runs_an_experiment(tmp_path: Path):
    result = run_console(tmp_path, [
        *CONSOLE_SET_UP, "/experiment", "See an example", BELIEF, "80", PREDICTION, KNOW, WHAT,
        "Tomorrow", "18:00", WHERE, "Nothing I can think of", "/journal experiments",
    ])  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Step 1 of 3 · the belief" in out and "Example · Social anxiety" in out
    assert "[1] Another example" in out
    assert "You've turned a belief into a test you can run" in out
    assert f"Predicted: {PREDICTION}" in out and "<b>" not in out
