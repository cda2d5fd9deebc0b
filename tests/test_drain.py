"""The drain at scale (issue 20): batch claims, sends in flight at once and paced, late rows
told apart (the queue's or downtime's), held rows of people who blocked the bot, and a
nudge that reads the same few rows however long someone's history is. The engine's clock
is moved by the tests; Telegram's pace is real seconds, kept short here."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

from bot.crypto import Cipher
from bot.scheduler import STALL, Pacer, Ticker
from bot.storage import GRACE, Storage
from flows.dialogue.core import Due, Entry, Incoming
from tests.conftest import Clock, unpaced
from tests.pg import both_databases  # noqa: F401 (each test that opens the store runs on SQLite and PostgreSQL)
from tests.seed import person_with_prompt

UTC = timezone.utc
EIGHT_PM = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


class Recorder:
    """A send that takes `delay` seconds, as Telegram's answer does, and records who got
    what, when, and how many sends were under way at once."""

    def __init__(self, delay: float = 0.0, on_send=None, refuse: set[int] = frozenset()) -> None:
        self.delay, self.on_send, self.refuse = delay, on_send, refuse
        self.chats: list[int] = []
        self.times: dict[int, list[float]] = {}
        self.under_way = self.most_at_once = 0

    async def __call__(self, chat_id: int, replies: list) -> bool:
        self.under_way += 1
        self.most_at_once = max(self.most_at_once, self.under_way)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.under_way -= 1
        if chat_id in self.refuse:
            return False  # they blocked the bot (Telegram's 403)
        self.chats.append(chat_id)
        self.times.setdefault(chat_id, []).append(time.monotonic())
        if self.on_send is not None:
            self.on_send()
        return True


async def people(storage: Storage, count: int, due: datetime, first: int = 1, spread: timedelta = timedelta()) -> list[int]:
    ids = list(range(first, first + count))
    for i, user_id in enumerate(ids):
        await person_with_prompt(storage, user_id, due + spread * i)
    return ids


async def status_of(storage: Storage, user_id: int) -> list[str]:
    return [row["status"] for row in await storage.scheduled(user_id)]


# --- claims ------------------------------------------------------------------------------

async def test_a_claim_takes_a_batch_of_the_oldest_due_rows_and_never_the_same_row_twice(storage: Storage):
    await people(storage, 30, EIGHT_PM - timedelta(minutes=30), spread=timedelta(minutes=1))
    now = EIGHT_PM
    first = await storage.claim_due(now, 10)
    assert [c.user_id for c in first] == list(range(1, 11))  # oldest first
    second = await storage.claim_due(now, 10)
    assert [c.user_id for c in second] == list(range(11, 21))
    assert await status_of(storage, 1) == ["claimed"]  # before anything is sent
    rest = await storage.claim_due(now, 100)
    assert [c.user_id for c in rest] == list(range(21, 31))
    assert await storage.claim_due(now, 100) == []


async def test_a_claim_leaves_rows_not_yet_due(storage: Storage):
    await people(storage, 3, EIGHT_PM)
    assert await storage.claim_due(EIGHT_PM - timedelta(seconds=1), 10) == []
    assert len(await storage.claim_due(EIGHT_PM, 10)) == 3


async def test_two_claimers_on_one_database_never_take_the_same_row(db_path, key, database_url, storage: Storage):
    await people(storage, 40, EIGHT_PM)
    other = await Storage.open(db_path, Cipher(key), database_url)  # on PostgreSQL: as another process would
    try:
        batches = await asyncio.gather(*(s.claim_due(EIGHT_PM, 7) for s in [storage, other] * 4))
    finally:
        await other.close()
    claimed = [c.user_id for batch in batches for c in batch]
    assert len(claimed) == len(set(claimed)) > 0


async def test_rows_a_scheduler_claimed_and_never_tried_are_sent_by_the_next_leader(storage, engine_factory, clock: Clock):
    ids = await people(storage, 12, EIGHT_PM)
    clock.now = EIGHT_PM
    assert len(await storage.claim_due(EIGHT_PM, 5)) == 5  # then it died, before sending any
    send = Recorder()
    ticker = Ticker(storage, engine_factory(clock), send, pacer=unpaced())
    await ticker.tick()  # it leads now: the dead one's claims are due again
    assert await asyncio.wait_for(ticker._drain, 5) == 12
    assert sorted(send.chats) == ids


async def test_a_row_marked_sent_is_never_sent_again_even_when_claimed_twice(storage: Storage):
    await people(storage, 1, EIGHT_PM)
    [row] = await storage.claim_due(EIGHT_PM, 5)
    assert await storage.mark_sent(row.user_id, row.due.key)
    assert not await storage.mark_sent(row.user_id, row.due.key)  # a second sender finds it taken
    assert await storage.requeue_claimed() == 0 and await storage.claim_due(EIGHT_PM, 5) == []


# --- the drain ---------------------------------------------------------------------------

async def test_a_drain_keeps_many_sends_under_way_and_reaches_everyone_once(storage, engine_factory, clock: Clock):
    ids = await people(storage, 80, EIGHT_PM)
    clock.now = EIGHT_PM + timedelta(seconds=10)
    send = Recorder(delay=0.05)
    ticker = Ticker(storage, engine_factory(clock), send, in_flight=25, pacer=unpaced())
    assert await ticker.drain() == 80
    assert sorted(send.chats) == ids
    assert send.most_at_once >= 10  # not one at a time (25 at most)
    assert await ticker.drain() == 0


async def test_a_tick_starts_a_drain_and_returns_while_it_runs_and_never_starts_a_second(storage, engine_factory, clock: Clock):
    await people(storage, 30, EIGHT_PM)
    clock.now = EIGHT_PM
    release = asyncio.Event()

    async def slow(chat_id: int, replies: list) -> bool:
        await release.wait()
        return True

    ticker = Ticker(storage, engine_factory(clock), slow, in_flight=5, pacer=unpaced())
    await asyncio.wait_for(ticker.tick(), 1.0)  # returns at once, with five sends stuck
    first = ticker._drain
    await asyncio.sleep(0.05)
    await asyncio.wait_for(ticker.tick(), 1.0)
    assert ticker._drain is first and not first.done()  # the slow one goes on alone
    release.set()
    assert await asyncio.wait_for(first, 5.0) == 30


async def test_the_pace_is_even_in_all_and_a_second_apart_in_one_chat():
    pacer = Pacer(rate=50.0, chat_gap=0.3)
    starts: list[tuple[int, float]] = []

    async def one(chat: int) -> None:
        await pacer.wait(chat)
        starts.append((chat, time.monotonic()))

    await asyncio.gather(*(one(chat) for chat in [1, 2, 3, 1, 4, 5, 1]))
    times = sorted(at for _, at in starts)
    assert all(b - a >= 0.02 - 0.002 for a, b in zip(times, times[1:]))  # 50 a second, never a burst
    ones = [at for chat, at in starts if chat == 1]
    assert all(b - a >= 0.3 - 0.002 for a, b in zip(ones, ones[1:]))
    assert times[-1] - times[0] < 0.3 * 2 + 0.2  # a chat in its gap does not hold the others up


async def test_two_reminders_for_one_person_come_a_gap_apart(storage, engine_factory, clock: Clock):
    await person_with_prompt(storage, 1, EIGHT_PM)
    state = await storage.load(1, 1)
    state.changes.schedule.append(Due("check_repeat:phq9:2026-11-24", "check_repeat", EIGHT_PM.isoformat(timespec="seconds")))
    await storage.save(state)
    clock.now = EIGHT_PM
    send = Recorder()
    ticker = Ticker(storage, engine_factory(clock), send, pacer=Pacer(rate=1000.0, chat_gap=0.25))
    assert await ticker.drain() == 2
    first, second = send.times[1]
    assert second - first >= 0.2  # paced 0.25 apart; marking each sent on the way may take a little off


# --- late rows: the queue's or downtime's ----------------------------------------------------

async def test_a_row_late_because_of_the_queue_is_still_sent(storage, engine_factory, clock: Clock):
    """90 prompts due at 20:00, sent one at a time while the clock moves a minute per send:
    the last go out an hour and a half late, and are still sent."""
    ids = await people(storage, 90, EIGHT_PM)
    clock.now = EIGHT_PM
    send = Recorder(on_send=lambda: clock.move(minutes=1))
    ticker = Ticker(storage, engine_factory(clock), send, in_flight=1, pacer=unpaced())
    assert await ticker.drain() == 90
    assert sorted(send.chats) == ids
    assert clock.now - EIGHT_PM > GRACE


async def test_a_row_whose_time_came_while_the_bot_was_down_is_missed_after_the_grace(storage, engine_factory, clock: Clock, sent):
    await people(storage, 3, EIGHT_PM)  # due at 20:00: the bot is down from 19:50 to 21:30
    await people(storage, 2, EIGHT_PM + timedelta(minutes=50), first=10)  # due at 20:50: 40 minutes late
    clock.now = EIGHT_PM - timedelta(minutes=10)
    send = Recorder()
    ticker = Ticker(storage, engine_factory(clock), send, pacer=unpaced())
    assert await ticker.drain() == 0  # it beat at 19:50
    clock.now = EIGHT_PM + timedelta(minutes=90)
    assert await ticker.drain() == 2
    assert sorted(send.chats) == [10, 11]
    assert await status_of(storage, 1) == ["skipped", "due"]  # missed, and tomorrow's is there


async def test_a_new_process_tells_the_queue_from_downtime_by_the_last_beat(storage, engine_factory, clock: Clock):
    """A drain stopped part way (a deploy) and a new process 70 minutes after 20:00: what
    fell due while the old one ran is sent; what fell due while nothing ran is missed."""
    await people(storage, 10, EIGHT_PM)
    clock.now = EIGHT_PM
    send = Recorder(delay=0.01)
    old = Ticker(storage, engine_factory(clock), send, in_flight=2, pacer=unpaced())
    await old.tick()
    while len(send.chats) < 4:
        await asyncio.sleep(0.01)
    await old.stop()
    sent_before = len(send.chats)
    assert sent_before < 10
    await people(storage, 2, EIGHT_PM + timedelta(minutes=5), first=50)  # due while nothing ran
    clock.now = EIGHT_PM + timedelta(minutes=70)
    new = Ticker(storage, engine_factory(clock), send, pacer=unpaced())
    assert await new.lead()  # taking the lead, it reads when the last one was last alive
    assert await new.drain() == 10 - sent_before
    assert sorted(send.chats) == list(range(1, 11))
    assert await status_of(storage, 50) == ["skipped", "due"]


async def test_a_silence_longer_than_a_stall_counts_as_downtime_in_a_running_process(storage, engine_factory, clock: Clock):
    clock.now = EIGHT_PM - timedelta(minutes=1)
    send = Recorder()
    ticker = Ticker(storage, engine_factory(clock), send, pacer=unpaced())
    await ticker.drain()
    await people(storage, 1, EIGHT_PM)
    clock.now = EIGHT_PM + GRACE + STALL  # the machine slept through 20:00
    assert await ticker.drain() == 0
    assert await status_of(storage, 1) == ["skipped", "due"]


# --- people who blocked the bot ------------------------------------------------------------

async def test_the_rows_of_someone_who_blocked_the_bot_are_held_then_sent_when_they_come_back(storage, engine_factory, clock: Clock):
    await people(storage, 2, EIGHT_PM)
    engine = engine_factory(clock)
    clock.now = EIGHT_PM - timedelta(hours=1)
    await engine.handle(Incoming(1, 1, "blocked", update_id=5))
    clock.now = EIGHT_PM
    send = Recorder()
    ticker = Ticker(storage, engine, send, pacer=unpaced())
    assert await ticker.drain() == 1 and send.chats == [2]
    assert await status_of(storage, 1) == ["held"]
    assert await storage.claim_due(EIGHT_PM + timedelta(hours=5), 100) == []  # held rows are not walked again
    clock.move(minutes=20)
    await engine.handle(Incoming(1, 1, "unblocked", update_id=6))
    assert await ticker.drain() == 1 and send.chats == [2, 1]


async def test_someone_back_long_after_a_held_reminder_gets_the_next_one_not_the_old(storage, engine_factory, clock: Clock):
    await people(storage, 1, EIGHT_PM)
    engine = engine_factory(clock)
    await engine.handle(Incoming(1, 1, "blocked", update_id=5))
    clock.now = EIGHT_PM
    send = Recorder()
    ticker = Ticker(storage, engine, send, pacer=unpaced())
    assert await ticker.drain() == 0
    clock.now = EIGHT_PM + timedelta(days=2, hours=-10)  # back two mornings later
    await engine.handle(Incoming(1, 1, "unblocked", update_id=6))
    assert await ticker.drain() == 0
    statuses = await storage.scheduled(1)
    assert [r["status"] for r in statuses] == ["skipped", "due"]
    assert statuses[1]["due_at"] > clock.now.isoformat()  # the next check-in, ahead


async def test_a_person_who_blocked_the_bot_mid_drain_is_marked_and_the_drain_goes_on(storage, engine_factory, clock: Clock):
    ids = await people(storage, 20, EIGHT_PM)
    clock.now = EIGHT_PM
    send = Recorder(delay=0.01, refuse={7})
    ticker = Ticker(storage, engine_factory(clock), send, in_flight=5, pacer=unpaced())
    assert await ticker.drain() == 19
    assert sorted(send.chats) == [i for i in ids if i != 7]
    assert await storage.is_active(7) is False


# --- constant cost per nudge -------------------------------------------------------------------

class CountingCipher(Cipher):
    decrypted = 0

    def decrypt(self, token: bytes):
        CountingCipher.decrypted += 1
        return super().decrypt(token)


async def test_a_nudge_reads_as_much_at_a_thousand_entries_as_at_none(db_path, key, database_url, content, clock: Clock):
    from flows.dialogue.engine import Engine
    from flows.registry import REGISTRY

    store = await Storage.open(db_path, CountingCipher(key), database_url)
    try:
        await person_with_prompt(store, 1, EIGHT_PM, history=0)
        await person_with_prompt(store, 2, EIGHT_PM, history=1000)  # none of them today
        assert len(await store.history(2)) == 1000
        clock.now = EIGHT_PM
        engine = Engine(store, content, REGISTRY, clock=clock)
        counts = []
        for user_id in (1, 2):
            due = next(c.due for c in await store.claim_due(EIGHT_PM, 1) if c.user_id == user_id)
            CountingCipher.decrypted = 0
            replies = await engine.nudge(user_id, user_id, due)
            counts.append(CountingCipher.decrypted)
            assert replies and "check-in" in replies[0].text
        assert counts[0] == counts[1] < 10
    finally:
        await store.close()


async def test_a_prompt_still_knows_a_mood_was_logged_today_without_reading_the_history(storage, engine_factory, clock: Clock):
    await person_with_prompt(storage, 1, EIGHT_PM, history=300)
    engine = engine_factory(clock)
    clock.now = EIGHT_PM - timedelta(hours=2)
    await engine.handle(Incoming(1, 1, "button", data="g:mp:6", update_id=9))  # yesterday's prompt, tapped today
    assert len(await storage.history(1)) == 301
    clock.now = EIGHT_PM
    send = Recorder()
    assert await Ticker(storage, engine, send, pacer=unpaced()).drain() == 0  # already logged today: no prompt
    assert send.chats == []


async def test_claims_and_saves_at_once_each_stay_whole(storage: Storage):
    """One connection serves the drain's claims and every person's saves at once: a claim's
    statement must never be half read when a save commits (SQLite refuses that commit)."""
    await people(storage, 200, EIGHT_PM)
    states = [await storage.load(user_id, user_id) for user_id in range(1, 201)]
    for state in states:
        state.questions_asked += 1
    work = [storage.claim_due(EIGHT_PM, 25) for _ in range(8)] + [storage.save(state) for state in states]
    results = await asyncio.gather(*work, return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
    claimed = [c.user_id for batch in results[:8] for c in batch]
    assert len(claimed) == len(set(claimed)) == 200
    assert [(await storage.load(u, u)).questions_asked for u in (1, 100, 200)] == [1, 1, 1]


async def test_a_save_that_fails_never_takes_anothers_save_with_it(storage: Storage):
    """Saves from many people share one connection: one failing part way (and rolled back)
    must not roll back another's half-written save."""
    await people(storage, 20, EIGHT_PM)
    states = [await storage.load(user_id, user_id) for user_id in range(1, 21)]
    for state in states:
        state.questions_asked = 5
        state.changes.saves.append(Entry(1, "mood", EIGHT_PM.isoformat(), {"score": 5}))
    states[0].changes.saves.append(Entry(2, "mood", EIGHT_PM.isoformat(), {"not json": {1, 2}}))  # cannot be stored
    results = await asyncio.gather(*(storage.save(state) for state in states), return_exceptions=True)
    assert isinstance(results[0], TypeError) and all(r is None for r in results[1:])
    assert [(await storage.load(u, u)).questions_asked for u in range(1, 21)] == [0] + [5] * 19
    assert [len(await storage.history(u)) for u in range(1, 21)] == [0] + [1] * 19


async def test_every_message_is_counted_just_before_its_request_and_other_calls_are_not():
    """The rate limiter on the bot's own requests (bot/rate_limit.py): messages, replies or
    reminders, go at most `rate` in any second; an answer to a button press does not wait."""
    from bot.rate_limit import PacedRateLimiter

    limiter = PacedRateLimiter(rate=40.0, max_retries=0)
    await limiter.initialize()
    started: list[tuple[str, float]] = []

    async def call(endpoint: str) -> bool:
        async def request(*args, **kwargs) -> bool:
            started.append((endpoint, time.monotonic()))
            return True

        return await limiter.process_request(request, (), {}, endpoint, {"chat_id": 1}, None)

    await asyncio.gather(*(call("sendMessage") for _ in range(50)), call("answerCallbackQuery"))
    sends = [at for endpoint, at in started if endpoint == "sendMessage"]
    assert len(sends) == 50
    assert sends[39] - sends[0] < 0.5  # a burst up to the limit goes at once (a reply's messages together)
    assert all(later - earlier >= 1.0 - 0.005 for earlier, later in zip(sends, sends[40:]))  # never 41 in a second
    answer = next(at for endpoint, at in started if endpoint == "answerCallbackQuery")
    assert answer < sends[-1]  # it did not queue behind the messages
    await limiter.shutdown()
