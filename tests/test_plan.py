"""/plan (behavioural activation) and its reminders, through the real engine and storage,
with a clock the tests move (no sleeping) and the real tick (bot/scheduler.Ticker)."""

from __future__ import annotations

from datetime import UTC, datetime


from bot.scheduler import Ticker
from flows.lib import markup
from flows.dialogue.core import Reply
from tests.conftest import Chat, Clock, log_mood, plan, set_up, texts



def button(reply: Reply, label: str) -> str:
    for row in reply.buttons:
        for b in row:
            if b.label == label:
                assert b.data is not None
                return b.data
    raise AssertionError(f"no {label!r} in {[b.label for row in reply.buttons for b in row]}")


async def at_the_time(chat: Chat, day: str = "Today") -> None:
    """/plan a favourite song, by taps, up to the question of its time."""
    await chat.send("/plan")
    await chat.press("Something enjoyable")
    await chat.press("Listen to a favourite song")
    await chat.press(day)


async def activities(storage, user_id: int = 7) -> list:
    return [e for e in await storage.history(user_id) if e.kind == "activity"]


async def reminders(storage, user_id: int = 7) -> list[dict]:
    return [row for row in await storage.scheduled(user_id) if row["kind"] == "plan_reminder"]


async def press_data(chat: Chat, data: str) -> list[Reply]:
    return await chat.incoming(kind="button", data=data)


async def rate(chat: Chat, pleasure: str, mastery: str, mood: str) -> None:
    for value in (pleasure, mastery, mood):
        await chat.press(value)


# --- planning --------------------------------------------------------------------------

async def test_planning_from_the_catalogue_suggests_easy_ones_first_and_saves_the_plan(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/plan")
    assert "What kind of thing" in ana.text
    assert {"Something enjoyable", "Getting something done", "Being in touch", "Moving your body",
            "Looking after yourself"} <= set(ana.labels())
    await ana.press("Something enjoyable")
    assert "easy ones" in ana.text
    assert "Listen to a favourite song" in ana.labels()  # easy
    assert "Do a puzzle or crossword" not in ana.labels()  # medium: not yet
    assert "‹ Easier ones" not in ana.labels() and "A step up ›" in ana.labels()
    await ana.press("Listen to a favourite song")
    assert "which day" in ana.text
    await ana.press("Today")
    assert "08:00" not in ana.labels() and "12:00" not in ana.labels() and "18:00" in ana.labels()  # past ones gone
    await ana.press("18:00")
    assert "how much do you think you'll enjoy it" in ana.text
    await ana.press("6")
    assert "Planned: “Listen to a favourite song”, Tue 24 Nov, 18:00" in ana.text
    assert "won't say what the activity is" in ana.text
    [entry] = await activities(storage)
    assert entry.data == {
        "label": "Listen to a favourite song",
        "category": "pleasure",
        "level": "easy",
        "activity": "favourite_song",
        "when": "2026-11-24T18:00:00+00:00",
        "predicted": 6,
        "status": "planned",
        "kept_only_until_answered": False,
    }
    [row] = await reminders(storage)
    assert row["due_at"] == "2026-11-24T18:00:00+00:00" and row["entry"] == entry.id


async def test_a_step_up_is_suggested_once_easier_ones_of_that_kind_were_done(ana: Chat, storage):
    await set_up(ana)
    for song in ("Listen to a favourite song", "Watch a short funny video"):
        await plan(ana, activity=song)
        entry = (await activities(storage))[0]
        await press_data(ana, f"g:pa:{entry.id}:done")
        await rate(ana, "7", "5", "6")
    await ana.send("/plan")
    await ana.press("Something enjoyable")
    assert "step up" in ana.text
    assert "Do a puzzle or crossword" in ana.labels()  # medium now
    assert "Listen to a favourite song" not in ana.labels()
    await ana.press("‹ Easier ones")  # the easy ones are still there
    assert "Listen to a favourite song" in ana.labels()
    await ana.press("Another kind")
    await ana.press("Moving your body")  # another kind starts easy again
    assert "easy ones" in ana.text and "Stretch for five minutes" in ana.labels()


async def test_a_typed_activity_of_their_own(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/plan")
    await ana.press("Being in touch")
    await ana.send("Ring my brother about Sunday")
    assert "“Ring my brother about Sunday” — which day" in ana.text
    await ana.send("tomorrow")
    assert "What time tomorrow" in ana.text
    await ana.send("7:30pm")
    await ana.send("4")
    assert "Planned: “Ring my brother about Sunday”, Wed 25 Nov, 19:30" in ana.text
    [entry] = await activities(storage)
    assert entry.data["label"] == "Ring my brother about Sunday"
    assert entry.data["category"] == "connection" and entry.data["level"] is None
    assert entry.data["when"] == "2026-11-25T19:30:00+00:00" and entry.data["predicted"] == 4


async def test_type_my_own_button_and_a_weekday(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/plan")
    await ana.press("Looking after yourself")
    await ana.press("Type my own")
    assert "What would you like to do" in ana.text
    await ana.send("Go to bed by eleven")
    assert "Fri 27" in ana.labels()
    await ana.send("Friday")
    assert "What time on Friday" in ana.text
    await ana.press("20:00")
    await ana.press("3")
    [entry] = await activities(storage)
    assert entry.data["label"] == "Go to bed by eleven" and entry.data["when"] == "2026-11-27T20:00:00+00:00"


async def test_a_time_already_past_is_refused_kindly(ana: Chat, storage):
    await set_up(ana)
    await at_the_time(ana)
    await ana.send("09:30")
    assert "It's already 12:00 where you are, so that time has passed" in ana.text
    assert "Another day" in ana.labels()  # still on the time, with a way forward
    await ana.send("half past nine")
    assert "couldn't read that as a time" in ana.text
    await ana.send("13:15")
    assert "how much do you think you'll enjoy it" in ana.text
    assert await activities(storage) == []  # nothing saved until the end


async def test_wrong_answers_get_specific_reprompts(ana: Chat):
    await set_up(ana)
    await ana.send("/plan")
    await ana.send("something")
    assert "Tap one of the kinds" in ana.text and "Being in touch" in ana.labels()
    await ana.press("Being in touch")
    await ana.press("Send a message to a friend")
    await ana.send("next year")
    assert "Tap a day, or type one" in ana.text
    await ana.press("Tomorrow")
    await ana.press("10:00")
    await ana.send("eleven")
    assert "from 0 to 10" in ana.text


async def test_cancel_midway_leaves_nothing_saved(ana: Chat, storage):
    await set_up(ana)
    await at_the_time(ana)
    await ana.press("18:00")
    await ana.send("/cancel")
    assert "Nothing was planned" in ana.text
    assert await activities(storage) == [] and await reminders(storage) == []
    assert await storage.history(7) == []


async def test_a_plan_in_progress_survives_a_restart(ana: Chat, engine_factory, clock):
    await set_up(ana)
    await ana.send("/plan")
    await ana.press("Moving your body")
    await ana.press("Stretch for five minutes")
    ana.engine = engine_factory(clock)  # a new process, same database
    await ana.press("Tomorrow")
    await ana.press("10:00")
    await ana.press("5")
    assert "Planned: “Stretch for five minutes”, Wed 25 Nov, 10:00" in ana.text


# --- the reminder ----------------------------------------------------------------------

async def test_the_reminder_falls_due_at_their_local_time_once_and_never_names_the_activity(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana)
    await ana.send("/timezone America/New_York")
    await plan(ana, kind="Being in touch", activity="Ask Sam about the test results", typed=True,
               day="Today", at="18:00")
    assert "Tue 24 Nov, 18:00" in ana.text  # shown in their time
    [entry] = await activities(storage)
    assert entry.data["when"] == "2026-11-24T23:00:00+00:00"  # 18:00 in New York
    clock.now = datetime(2026, 11, 24, 22, 59, 50, tzinfo=UTC)
    assert await ticker.drain() == 0
    clock.now = datetime(2026, 11, 24, 23, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    assert await ticker.drain() == 0  # never twice
    [(chat_id, [reminder])] = sent
    assert chat_id == 7
    assert markup.visible_text(reminder.text).startswith("Time for your planned activity")
    words = reminder.text + " ".join(b.label + (b.data or "") for row in reminder.buttons for b in row)
    for part in ("Sam", "test results", "Ask", "touch", "connection"):
        assert part not in words
    assert [b.label for row in reminder.buttons for b in row] == ["Done", "Not yet", "Reschedule"]
    assert [b.data for row in reminder.buttons for b in row] == [
        f"g:pa:{entry.id}:done", f"g:pa:{entry.id}:later", f"g:pa:{entry.id}:move"
    ]
    assert (await activities(storage))[0].data["status"] == "reminded"


async def test_done_then_ratings_then_the_list_shows_expected_against_felt(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana)
    await plan(ana, predicted="6")
    clock.now = datetime(2026, 11, 24, 18, 0, 5, tzinfo=UTC)
    await ticker.drain()
    await press_data(ana, button(sent[0][1][0], "Done"))
    assert "You did it: “Listen to a favourite song”" in ana.text and "Well done" not in ana.text
    assert "Step 1 of 3" in ana.text and "enjoy" in ana.text and len(ana.labels()) == 11
    await ana.press("8")
    assert "Step 2 of 3" in ana.text and "achievement" in ana.text
    await ana.press("7")
    assert "Step 3 of 3" in ana.text and "mood" in ana.text
    await ana.press("6")
    assert "You expected 6 and it felt like 8" in ana.text and "Better than you expected" in ana.text
    [entry] = await activities(storage)
    assert {k: entry.data[k] for k in ("status", "predicted", "pleasure", "mastery", "mood")} == {
        "status": "done", "predicted": 6, "pleasure": 8, "mastery": 7, "mood": 6
    }
    await ana.send("/plan list")
    assert "Done" in ana.text and "Listen to a favourite song: expected 6, felt 8" in ana.text
    await press_data(ana, button(sent[0][1][0], "Done"))  # the same reminder again
    assert "already rated" in ana.text


async def test_not_yet_in_an_hour_sends_a_second_reminder_an_hour_later_not_before(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana)
    await plan(ana)
    clock.now = datetime(2026, 11, 24, 18, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    await press_data(ana, button(sent[0][1][0], "Not yet"))
    assert "When shall I remind you again" in ana.text
    assert ana.labels() == ["In 30 minutes", "In an hour", "This evening, 21:00", "Reschedule"]
    await ana.press("In an hour")
    assert "remind you again at 19:01" in ana.text
    clock.now = datetime(2026, 11, 24, 19, 0, 30, tzinfo=UTC)
    assert await ticker.drain() == 0
    clock.now = datetime(2026, 11, 24, 19, 1, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    assert await ticker.drain() == 0
    assert texts(sent)[1].startswith("Time for your planned activity")


async def test_not_yet_this_evening(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await set_up(ana)
    await ana.send("/timezone Europe/Berlin")  # 13:00 there
    await plan(ana, at="15:00")
    clock.now = datetime(2026, 11, 24, 14, 0, 5, tzinfo=UTC)
    await ticker.drain()
    await press_data(ana, button(sent[0][1][0], "Not yet"))
    await ana.press("This evening, 19:00")
    assert "remind you again at 19:00" in ana.text
    clock.now = datetime(2026, 11, 24, 17, 59, tzinfo=UTC)
    assert await ticker.drain() == 0
    clock.now = datetime(2026, 11, 24, 18, 0, 5, tzinfo=UTC)  # 19:00 in Berlin
    assert await ticker.drain() == 1


async def test_reschedule_moves_it_and_the_old_time_sends_nothing(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana)
    await plan(ana, at="18:00")
    [entry] = await activities(storage)
    await press_data(ana, f"g:pa:{entry.id}:move")  # their own plan, before its time
    assert "Let's find a better time for “Listen to a favourite song”" in ana.text
    assert "Which day would suit you better" in ana.text
    await ana.press("Tomorrow")
    await ana.press("10:00")
    assert "Moved to Wed 25 Nov, 10:00" in ana.text
    [row] = [r for r in await reminders(storage) if r["status"] == "due"]
    assert row["due_at"] == "2026-11-25T10:00:00+00:00"
    clock.now = datetime(2026, 11, 24, 18, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 0  # the old time: nothing
    clock.now = datetime(2026, 11, 25, 10, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    # From the reminder: Reschedule after a Not yet drops the Not-yet reminder too.
    await press_data(ana, button(sent[0][1][0], "Not yet"))
    await ana.press("In 30 minutes")
    await press_data(ana, button(sent[0][1][0], "Reschedule"))
    await ana.press("Tomorrow")
    await ana.send("9am")
    assert "Moved to Thu 26 Nov, 09:00" in ana.text
    clock.now = datetime(2026, 11, 25, 10, 31, 5, tzinfo=UTC)
    assert await ticker.drain() == 0
    clock.now = datetime(2026, 11, 26, 9, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1


async def test_a_reminder_button_in_the_middle_of_mood_keeps_mood(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await set_up(ana)
    await plan(ana)
    clock.now = datetime(2026, 11, 24, 18, 0, 5, tzinfo=UTC)
    await ticker.drain()
    reminder = sent[0][1][0]
    await ana.send("/mood")
    await ana.press("4")
    assert "Any words" in ana.text
    await press_data(ana, button(reminder, "Not yet"))  # answered, and /mood's question again
    assert "When shall I remind you again" in ana.text and "Any words" in ana.text
    await press_data(ana, button(reminder, "Done"))  # rating interrupts /mood...
    assert "Step 1 of 3" in ana.text
    await press_data(ana, button(reminder, "Done"))  # a double tap only asks again
    assert "Step 1 of 3" in ana.text and "Well done" not in ana.text
    await rate(ana, "7", "6", "5")
    assert "You expected 6 and it felt like 7" in ana.text
    assert "Any words" in ana.text  # ...and /mood comes back
    await ana.press("Skip")
    await ana.press("Skip")
    assert "Saved: mood 4" in ana.text


async def test_cancelling_the_rating_keeps_the_plan_and_returns_to_the_practice(ana: Chat, ticker, clock, sent, storage):
    await set_up(ana)
    await plan(ana)
    clock.now = datetime(2026, 11, 24, 18, 0, 5, tzinfo=UTC)
    await ticker.drain()
    await ana.send("/mood")
    await press_data(ana, button(sent[0][1][0], "Done"))
    await ana.send("/cancel")
    assert "not rated for now" in ana.text and "How is your mood right now" in ana.text
    assert (await activities(storage))[0].data["status"] == "reminded"
    assert "Reschedule" in ana.labels()  # the reminder's keyboard was closed by the tap: offered again
    await ana.press("Done")
    assert "Step 1 of 3" in ana.text
    await rate(ana, "6", "6", "6")
    assert "You expected 6 and it felt like 6" in ana.text and "How is your mood right now" in ana.text


async def test_cancelling_a_reschedule_keeps_the_time(ana: Chat, storage):
    await set_up(ana)
    await plan(ana, at="18:00")
    [entry] = await activities(storage)
    await press_data(ana, f"g:pa:{entry.id}:move")
    await ana.press("Tomorrow")
    await ana.send("/cancel")
    assert "the plan stays as it was" in ana.text and "Done" in ana.labels()
    [row] = await reminders(storage)
    assert row["due_at"] == "2026-11-24T18:00:00+00:00" and row["status"] == "due"


async def test_a_forged_or_stale_id_is_refused_politely(ana: Chat, storage, content, clock):
    await set_up(ana)
    for data in ("g:pa:999:done", "g:pa:999:move", "g:pl:999:60", "g:pa:x:done", "g:pa:1:later"):
        await press_data(ana, data)
        assert "That plan isn't here any more" in ana.text, data
    await plan(ana)
    [entry] = await activities(storage)
    await press_data(ana, f"g:pa:{entry.id}:explode")
    assert "isn't here any more" in ana.text
    await press_data(ana, f"g:pl:{entry.id}:999")
    assert "isn't here any more" in ana.text
    # Someone else pressing a button with Ana's id: Ben has no such plan.
    ben = Chat(ana.engine, user_id=8)
    await set_up(ben)
    await press_data(ben, f"g:pa:{entry.id}:done")
    assert "isn't here any more" in ben.text
    assert ben.engine is ana.engine
    assert (await activities(storage))[0].data["status"] == "planned"  # Ana's plan untouched
    await ben.send("/plan list")
    assert "Nothing planned yet" in ben.text
    # Another kind's id is not an activity.
    await log_mood(ana, 5)
    mood_id = next(e.id for e in await storage.history(7) if e.kind == "mood")
    await press_data(ana, f"g:pa:{mood_id}:done")
    assert "isn't here any more" in ana.text


async def test_after_downtime_an_hour_late_is_missed_and_thirty_minutes_late_is_sent(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana)
    await plan(ana, activity="Listen to a favourite song", at="15:00")
    await plan(ana, activity="Watch a short funny video", at="18:00")
    clock.now = datetime(2026, 11, 24, 18, 30, tzinfo=UTC)  # the bot was down since 14:00
    assert await ticker.drain() == 1
    assert len(sent) == 1
    statuses = {e.data["label"]: e.data["status"] for e in await activities(storage)}
    assert statuses == {"Listen to a favourite song": "missed", "Watch a short funny video": "reminded"}
    await ana.send("/plan list")
    text = ana.text
    assert "Missed" in text and "Listen to a favourite song" in text.split("Missed")[1]
    assert "Watch a short funny video" in text.split("Missed")[0]
    assert await ticker.drain() == 0


async def test_without_consent_the_plan_is_kept_only_until_its_reminder_is_answered(
    ana: Chat, ticker: Ticker, clock: Clock, sent, storage
):
    await set_up(ana, consent="No, don't keep them")
    await plan(ana)
    assert "kept only until you answer its reminder" in ana.text
    [entry] = await activities(storage)
    assert entry.data["kept_only_until_answered"] is True
    clock.now = datetime(2026, 11, 24, 18, 0, 5, tzinfo=UTC)
    assert await ticker.drain() == 1
    await press_data(ana, button(sent[0][1][0], "Done"))
    await rate(ana, "5", "5", "5")
    assert "now deleted" in ana.text
    assert await storage.history(7) == []
    assert await reminders(storage) == []
    await press_data(ana, button(sent[0][1][0], "Done"))
    assert "isn't here any more" in ana.text


async def test_without_consent_a_missed_plan_is_forgotten(ana: Chat, ticker: Ticker, clock: Clock, storage):
    await set_up(ana, consent="No, don't keep them")
    await plan(ana, at="15:00")
    clock.now = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    assert await ticker.drain() == 0
    assert await storage.history(7) == []


# --- /plan list ------------------------------------------------------------------------

async def test_plan_list_when_empty_and_when_long(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/plan list")
    assert "Nothing planned yet" in ana.text
    long = "Walk " + "very " * 30
    for n in range(24):
        await plan(ana, "Moving your body", f"{n} {long}"[:120], typed=True, day="Tomorrow", at="10:00", predicted="5")
    await ana.send("/plan list")
    [reply] = ana.replies
    assert markup.visible_length(reply.text) <= 400  # one phone screen
    assert ana.text.count("Wed 25 Nov, 10:00") == 4  # the latest 4
    assert "23 Walk" in ana.text and "20 Walk" in ana.text and "19 Walk" not in ana.text
    assert "…" in ana.text and "/journal shows them all" in ana.text


async def test_plan_list_in_the_middle_of_a_practice_asks_its_question_again(ana: Chat):
    await set_up(ana)
    await ana.send("/plan")
    await ana.press("Being in touch")
    await ana.send("/plan list")
    assert "Nothing planned yet" in ana.text
    assert "Tap one, or type your own" in ana.text and "Send a message to a friend" in ana.labels()
    await ana.press("Send a message to a friend")
    assert "which day" in ana.text


async def test_flagged_words_are_kept_but_never_quoted_back(ana: Chat, storage):
    await set_up(ana)
    await ana.send("/plan")
    await ana.press("Being in touch")
    await ana.send("tell someone I want to kill myself")
    assert "Are you safe right now" in ana.text  # the risk response first
    await ana.press("Safe for now")
    await ana.press("Carry on")
    assert "Which day would you like to do it" in ana.text and "kill" not in ana.text
    await ana.press("Tomorrow")
    await ana.press("10:00")
    await ana.press("5")
    assert "Planned, Wed 25 Nov, 10:00" in ana.text and "kill" not in ana.text
    [entry] = await activities(storage)
    assert entry.data["label"] == "tell someone I want to kill myself"  # still theirs
    assert entry.data["hidden"] == ["label"]
    await ana.send("/plan list")
    assert "words hidden" in ana.text and "kill" not in ana.text
    await ana.send("/journal activities")
    assert "Your own activity (hidden)" in ana.text and "kill" not in ana.text
    await press_data(ana, f"g:pa:{entry.id}:done")
    assert "You did it." in ana.text and "kill" not in ana.text


async def test_the_journal_shows_a_done_activity_and_a_low_mood_after_it_offers_help(ana: Chat, storage):
    await set_up(ana)
    await plan(ana, predicted="6")
    [entry] = await activities(storage)
    await press_data(ana, f"g:pa:{entry.id}:done")
    await rate(ana, "3", "8", "2")
    assert "Less than you hoped" in ana.text and "achievement of 8 out of 10" in ana.text
    # A low mood is met before "Saved", then offers a practice with one tap.
    assert ana.text.index("That sounds like a hard time") < ana.text.index("Saved")
    assert ana.labels() == ["A calm check-in", "Look at a thought"]
    await ana.send("/journal activities")
    assert "Listen to a favourite song" in ana.text
    assert "Pleasure: expected 6, felt 3 · achievement 8 · mood 2" in ana.text


async def test_their_words_are_escaped_in_the_html(ana: Chat):
    await set_up(ana)
    await plan(ana, kind="Something enjoyable", activity="Tea & <b>cake</b>", typed=True, day="Tomorrow", at="10:00")
    assert "Tea &amp; &lt;b&gt;cake&lt;/b&gt;" in ana.replies[0].text
    await ana.send("/plan list")
    assert "Tea &amp; &lt;b&gt;cake&lt;/b&gt;" in ana.replies[0].text
    assert "Tea & <b>cake</b>" in ana.text  # shown as typed
