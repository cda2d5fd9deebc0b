"""/learn: the menu, a lesson to its practice, topics, personal facts, the daily lesson, and
how recurring nudges back off (with a moving clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.scheduler import Ticker
from flows.lib import markup
from flows.practices.learn import Lessons
from tests.conftest import Chat, Clock, log_mood, set_up, started_thought_record, texts


def lessons(chat: Chat):
    return chat.engine.content.of(Lessons).lesson


async def read_whole(chat: Chat) -> list[str]:
    """Press Next until the last page; the visible text of every page."""
    pages = [markup.visible_text(chat.text)]
    while "Next ›" in chat.labels():
        await chat.press("Next ›")
        pages.append(markup.visible_text(chat.text))
    return pages


async def test_the_menu_suggests_the_next_unread_lesson_first_and_ticks_read_ones(ana: Chat):
    await set_up(ana)
    await ana.send("/learn")
    first, second = lessons(ana)[0], lessons(ana)[1]
    assert ana.labels()[0] == first.title and len(ana.labels()) == len(lessons(ana))
    assert "A good place to start" in ana.text
    await ana.press(first.title)
    await read_whole(ana)
    await ana.press("Another lesson")
    assert ana.labels()[0] == second.title  # the suggested one is new
    assert f"✓ {first.title}" in ana.labels() and "read 1 of" in ana.text


async def test_a_whole_lesson_ends_by_starting_its_practice(ana: Chat):
    await set_up(ana)
    await ana.send("/learn")
    first = lessons(ana)[0]
    await ana.press(first.title)
    pages = await read_whole(ana)
    assert len(pages) == first.pages and all(len(page) <= 400 for page in pages)
    assert ana.labels()[:2] == ["Try it now", "Another lesson"]
    await ana.press("Try it now")
    assert first.practice == "thought" and "Full record" in ana.labels()  # the thought record began


async def test_learn_with_a_topic_or_a_trap_opens_it_directly(ana: Chat):
    await set_up(ana)
    await ana.send("/learn traps")
    trap_lessons = [item for item in lessons(ana) if item.topic == "traps"]
    assert ana.labels() == ["Next ›"] and len(trap_lessons) >= 12
    await ana.send("/learn catastrophising")
    pages = await read_whole(ana)
    assert any("catastroph" in page.casefold() for page in pages)
    await ana.send("/learn gibberish")  # an unknown topic: the menu
    assert "Lessons" in ana.text and len(ana.labels()) == len(lessons(ana))


async def test_later_pages_speak_of_their_own_practice_only_when_they_keep_entries(ana: Chat):
    await set_up(ana)
    behavioural = next(item for item in lessons(ana) if "best_activity" in item.uses)
    await ana.send(f"/learn {behavioural.id}")
    without = " ".join(await read_whole(ana))
    for entry_id, (activity, mood) in enumerate((("Stretch for five minutes", "4"), ("A 10-minute walk outside", "8")), 1):
        await ana.send("/plan")
        await ana.press("Moving your body")
        await ana.press(activity)
        await ana.press("Tomorrow")
        await ana.press("18:00")
        await ana.press("5")
        await ana.press_data(f"g:pa:{entry_id}:done")  # its reminder's [Done]: pleasure, mastery, mood
        for rating in ("5", "5", mood):
            await ana.press(rating)
    await ana.send(f"/learn {behavioural.id}")
    with_history = await read_whole(ana)
    assert "A 10-minute walk outside" in " ".join(with_history) and "walk outside" not in without
    assert "walk outside" not in with_history[0]  # page 1 (a preview) never holds personal facts


async def test_nothing_personal_without_consent(ana: Chat):
    await set_up(ana, consent="No, don't keep them")
    await started_thought_record(ana)
    traps = next(item for item in lessons(ana) if "thoughts_finished" in item.uses)
    await ana.send(f"/learn {traps.id}")
    pages = await read_whole(ana)
    assert len(pages) == traps.pages and all(len(page) <= 400 for page in pages)


async def test_a_restart_in_the_middle_of_a_lesson_picks_up_the_same_page(ana: Chat, engine_factory, clock: Clock):
    await set_up(ana)
    first = lessons(ana)[0]
    await ana.send(f"/learn {first.id}")
    await ana.press("Next ›")
    on_page_two = ana.text
    ana.engine = engine_factory(clock)  # a new process, the same database
    assert [r.text for r in await ana.engine.current_prompt(ana.user_id, ana.user_id)] == [on_page_two]
    await ana.press("Next ›" if first.pages > 2 else "Try it now")


async def test_a_lesson_a_day_arrives_at_their_time_and_never_repeats(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await set_up(ana)
    await ana.send("/learn")
    first = lessons(ana)[0]
    await ana.press(first.title)
    await read_whole(ana)
    assert "A lesson a day" in ana.labels()  # offered after the first lesson
    await ana.press("A lesson a day")
    assert "20:00" in ana.text
    read = []
    for day in range(3):
        clock.now = datetime(2026, 11, 24, 20, 0, 30, tzinfo=UTC) + timedelta(days=day)
        assert await ticker.drain() == 1
        assert texts(sent)[-1] == "A short lesson is ready whenever you are."  # neutral on a locked screen
        assert (await ticker.drain()) == 0  # once a day
        await ana.press_data("g:lesson")
        title = markup.visible_text(ana.text).split("\n")[0]
        read.append(title)
        await read_whole(ana)
    assert len(set(read)) == 3 and first.title not in read  # never a read lesson again


async def test_an_ignored_nudge_backs_off_to_every_other_day_then_pauses_until_they_answer(
    ana: Chat, ticker: Ticker, clock: Clock, sent
):
    await set_up(ana, timezone="London", reminder="20:00")
    arrived = []
    for day in range(14):  # nobody answers
        clock.now = datetime(2026, 11, 24, 20, 0, 30, tzinfo=UTC) + timedelta(days=day)
        before = len(sent)
        await ticker.drain()
        arrived.append([markup.visible_text(r.text) for _, replies in sent[before:] for r in replies])
    sent_days = [day for day, said in enumerate(arrived) if said]
    assert sent_days[:6] == [0, 1, 2, 4, 6, 8]  # ignored three times running: every other day
    # Seven ignored (days 0-10): the next says it pauses, and nothing comes after it.
    assert sent_days == [0, 1, 2, 4, 6, 8, 10, 11] and "pause" in arrived[11][0]
    _, [paused] = sent[-1]
    assert [b.label for row in paused.buttons for b in row] == ["Keep them coming", "Stop them"]
    await ana.press_data(paused.buttons[0][0].data)  # [Keep them coming]: anything resets it
    clock.now += timedelta(days=1)
    assert await ticker.drain() == 1
    assert "daily check-in" in texts(sent)[-1]


async def test_stop_them_ends_that_nudge(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await set_up(ana, timezone="London", reminder="20:00")
    for day in range(14):
        clock.now = datetime(2026, 11, 24, 20, 0, 30, tzinfo=UTC) + timedelta(days=day)
        await ticker.drain()
    _, [paused] = sent[-1]
    await ana.press_data(paused.buttons[0][1].data)
    assert "no more daily check-ins" in markup.visible_text(ana.text)
    for day in range(14, 20):
        clock.now = datetime(2026, 11, 24, 20, 0, 30, tzinfo=UTC) + timedelta(days=day)
        assert await ticker.drain() == 0
    await ana.send("/settings")
    assert "Daily check-in: off" in ana.labels()


async def test_any_answer_resets_the_back_off(ana: Chat, ticker: Ticker, clock: Clock, sent):
    await set_up(ana, timezone="London", reminder="20:00")

    async def day(n: int) -> int:
        clock.now = datetime(2026, 11, 24, 20, 0, 30, tzinfo=UTC) + timedelta(days=n)
        return await ticker.drain()

    assert [await day(n) for n in range(6)] == [1, 1, 1, 0, 1, 0]  # ignored: every other day
    await log_mood(ana, 6)  # they use the bot
    assert [await day(n) for n in range(6, 9)] == [1, 1, 1]  # every day again


async def rich_history(chat: Chat) -> None:
    """Entries as a keen user would have them: thought records naming traps, rated
    activities with long labels, check-ins."""
    storage = chat.engine.store
    state = await storage.load(chat.user_id, chat.user_id)
    for n in range(12):
        state.changes.saves.append(state.new_entry("thought", f"2026-11-0{n % 9 + 1}T10:00:00+00:00",
                                                   {"traps": ["All-or-nothing thinking", "Personalisation and blame"]}))
        label = "Walk the long way round the reservoir with the dog and a flask " * 2
        state.changes.saves.append(state.new_entry("activity", f"2026-11-1{n % 9}T10:00:00+00:00",
                                                   {"label": label, "status": "done", "mood": n % 11}))
        state.changes.saves.append(state.new_entry("checkin", f"2026-11-2{n % 9}T10:00:00+00:00", {"change": -3 + n}))
    await storage.save(state)


async def test_every_lesson_fits_a_phone_with_no_history_and_with_a_rich_one(ana: Chat):
    await set_up(ana)
    for history in ("none", "rich"):
        if history == "rich":
            await rich_history(ana)
        for item in lessons(ana):
            await ana.send(f"/learn {item.id}")
            pages = await read_whole(ana)
            assert len(pages) == item.pages, item.id
            assert all(len(page) <= 400 for page in pages), (item.id, history, [len(p) for p in pages])
    shows_activity = [i for i in lessons(ana) if "best_activity" in i.uses][-1]
    await ana.send(f"/learn {shows_activity.id}")
    assert "Walk the long way round the reservoir w…" in " ".join(await read_whole(ana))  # cut to fit


async def test_a_lesson_a_day_can_be_set_in_settings(ana: Chat):
    await set_up(ana)
    await ana.send("/settings")
    await ana.press("Daily lesson: off")
    assert "short lesson each day" in ana.text
    await ana.press("21:00")
    assert "a short lesson at 21:00" in ana.text and "Daily lesson: 21:00" in ana.labels()
