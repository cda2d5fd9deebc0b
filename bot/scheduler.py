"""The tick: send what has fallen due. It knows no Telegram; adapters give it a `send`.

Scheduled work is rows (bot/storage.py, table `scheduled`), not scheduler jobs. One job
ticks every TICK seconds and starts a drain, unless one is still running: a slow drain is
never waited for and never doubled. A drain claims rows in small batches (marked claimed in
the database, then sent just before each message goes, so a row goes out at most once, and
one claimed by a scheduler that stopped before trying is sent by the next) and keeps up to
IN_FLIGHT sends going at once, spaced to RATE a second in all and CHAT_GAP apart in one
chat, because one bot token may send about 30 messages a second and about one a second to
one chat. It goes on until nothing due is left.

Late rows: a row that waited in the queue is still sent, however long the queue. Only a
row whose time came while the bot was down (or while its person had blocked the bot) and
is more than GRACE late by the time the bot could first have sent it is skipped; a planned
activity then shows as missed. The drain beats (`Storage.beat`) so that the next process
can tell the two apart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.storage import GRACE, Claimed, Storage
from flows.dialogue.core import Reply
from flows.dialogue.engine import Engine

log = logging.getLogger(__name__)

TICK = 20  # seconds between ticks
IN_FLIGHT = 25  # sends waiting for Telegram's answer at once (about 50 ms each from a server)
RATE = 27.0  # messages a second in all: under Telegram's ~30, with room for jitter and for replies
# Seconds between two nudges to one chat as they leave (Telegram: about one a second). What
# Telegram counts is their arrival, and the way there varies: at 50 ms a call, 1.1 s apart
# here arrived 1.03 s apart (bench-nudges); a quarter second leaves room.
CHAT_GAP = 1.25
CLAIM_AT_LEAST = 10  # a claim waits until this many sends have room (fewer, larger claims)
STALL = timedelta(minutes=2)  # no beat for this long: nothing was sending (down, or asleep)
SAVE_BEAT_EVERY = timedelta(seconds=10)
STOP_WAIT = 10.0  # seconds a shutdown waits for the sends under way

Send = Callable[[int, list[Reply]], Awaitable[bool]]  # (chat id, replies) -> reached them?


class Pacer:
    """Spaces sends: at most `rate` started in any one second, never closer together than
    1/`rate` (so no burst after a stall, when the event loop was busy), and `chat_gap`
    seconds apart in one chat. It runs on its own monotonic clock: Telegram's limits are in
    real seconds, whatever time the engine's clock says it is."""

    def __init__(self, rate: float = RATE, chat_gap: float = CHAT_GAP,
                 clock: Callable[[], float] = time.monotonic, even: bool = True) -> None:
        """`even`: never closer than 1/`rate` apart (the drain's own pace); without it, only
        at most `rate` in any second (a reply's two or three messages go together)."""
        self.rate = rate
        self.even = even
        self.chat_gap = chat_gap
        self.clock = clock
        self._started: deque[float] = deque()  # when each send of the last second started
        self._chat_next: dict[int, float] = {}

    async def wait(self, chat_id: int, messages: int = 1) -> None:
        """Wait until this chat's gap is over and there is room in the last second. The
        looking and the taking happen with no await between them, so of many waiting
        senders only as many go as there is room for; the others wait again."""
        while True:
            now = self.clock()
            ready = self._ready_at(chat_id, now, messages)
            if ready <= now:
                break
            await asyncio.sleep(ready - now)
        self._started.extend([now] * messages)
        self._chat_next[chat_id] = now + self.chat_gap
        if len(self._chat_next) > 10_000:  # forget chats whose gap is long over
            self._chat_next = {chat: at for chat, at in self._chat_next.items() if at > now}

    def _ready_at(self, chat_id: int, now: float, messages: int) -> float:
        started = self._started
        while started and started[0] <= now - 1.0:
            started.popleft()
        ready = self._chat_next.get(chat_id, 0.0)
        if started and self.even:
            ready = max(ready, started[-1] + 1.0 / self.rate)
        if len(started) + messages > self.rate:
            ready = max(ready, started[len(started) + messages - int(self.rate) - 1] + 1.0)
        return ready


class Ticker:
    def __init__(
        self,
        storage: Storage,
        engine: Engine,
        send: Send,
        *,
        in_flight: int = IN_FLIGHT,
        pacer: Pacer | None = None,
    ) -> None:
        self.storage = storage
        self.engine = engine
        self.send = send
        self.in_flight = in_flight
        self.pacer = pacer or Pacer()
        # When a scheduler last beat (None: unknown, so whatever fell due before this one's
        # first beat was missed time). Taking the lead reads the last leader's.
        self.last_beat: datetime | None = None
        # The last stretch with no scheduler running: from down_since (None: unknown) to back_at.
        self.down_since: datetime | None = None
        self.back_at: datetime | None = None
        self._saved_beat: datetime | None = None
        self._drain: asyncio.Task[int] | None = None
        self._stopping = False
        self._led = False

    async def tick(self) -> None:
        """The job every TICK seconds: if this process leads the scheduler, note that it is
        alive, and start a drain unless one is running. Returns at once."""
        if not await self.lead():
            return
        await self._beat()
        if not self._stopping and (self._drain is None or self._drain.done()):
            self._drain = asyncio.create_task(self.drain(), name="drain")

    async def lead(self) -> bool:
        """Of the processes sharing one database, one sends (the store decides which, and
        another takes over within a tick when it dies). A process that has just taken over
        goes on from the last leader's beat: what fell due while it led waited in the queue.
        One that has lost the lead (its connection to the database was cut) claims nothing
        more (the store fences its claims), and starts over if it takes the lead again."""
        if not await self.storage.lead():
            if self._led:
                log.warning("this process no longer leads the scheduler")
                self._led = False
            return False
        if not self._led:
            self._led = True
            # Worth a line where several processes share the database; one process always leads.
            log.log(logging.INFO if self.storage.dialect != "sqlite" else logging.DEBUG, "this process leads the scheduler")
            self.last_beat = await self.storage.last_beat() or self.last_beat
            requeued = await self.storage.requeue_claimed()
            if requeued:
                log.info("%d reminders claimed and never tried by the last scheduler are due again", requeued)
        return True

    async def stop(self, wait: float = STOP_WAIT) -> None:
        """At shutdown: claim nothing more, let the sends under way finish (up to `wait`
        seconds), then cancel. A row claimed and not yet tried is sent by the next leader."""
        self._stopping = True
        if self._drain is None or self._drain.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._drain), wait)
        except asyncio.TimeoutError:
            self._drain.cancel()
            try:
                await self._drain
            except asyncio.CancelledError:
                pass

    async def drain(self) -> int:
        """Send everything due by now, at the pace Telegram allows; returns how many reached someone."""
        sent = 0
        sending: set[asyncio.Task[bool]] = set()
        more = True
        try:
            while True:
                room = self.in_flight - len(sending)
                if more and not self._stopping and (room >= min(CLAIM_AT_LEAST, self.in_flight) or not sending):
                    now = await self._beat()
                    claimed = await self.storage.claim_due(now, room)
                    more = len(claimed) == room
                    sending |= {asyncio.create_task(self._one(row)) for row in claimed}
                if not sending:
                    return sent
                done, sending = await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                sent += sum(task.result() for task in done)
        finally:
            for task in sending:  # cancelled mid-drain: what was claimed is not half sent
                task.cancel()

    async def _beat(self) -> datetime:
        """The scheduler is alive now. A silence longer than STALL since the last beat was
        time when nothing could send (the bot was down, or the machine asleep)."""
        now = self.engine.clock()
        if self.last_beat is None or now - self.last_beat > STALL:
            self.down_since, self.back_at = self.last_beat, now
        self.last_beat = now
        if self._saved_beat is None or now - self._saved_beat >= SAVE_BEAT_EVERY:
            await self.storage.beat(now)  # for the next process to tell downtime from queue
            self._saved_beat = now
        return now

    def _missed_time(self, row: Claimed) -> bool:
        """Did its time come while nothing could send it, and is it now too late?"""
        if row.late:
            return True
        due_at = datetime.fromisoformat(row.due.due_at)
        if self.back_at is None or due_at >= self.back_at:
            return False
        if self.down_since is not None and due_at <= self.down_since:
            return False  # it fell due while the scheduler ran: it waited in the queue
        return self.back_at - due_at > GRACE

    async def _one(self, row: Claimed) -> bool:
        """One claimed row: sent, or (too late) what a miss does. Never raises: one
        person's problem must not stop everyone's reminders."""
        due = row.due
        try:
            assert row.chat_id is not None
            if self._missed_time(row):
                if row.late or await self.storage.mark_sent(row.user_id, due.key, "skipped"):
                    await self.engine.missed(row.user_id, row.chat_id, due)
                return False
            reached = tried = False

            async def deliver(replies: list[Reply], chat_id: int = row.chat_id) -> bool:
                nonlocal reached, tried
                await self.pacer.wait(chat_id, len(replies))
                tried = True
                if not await self.storage.mark_sent(row.user_id, due.key):
                    return True  # no longer ours to send (and not a sign that they blocked the bot)
                reached = await self.send(chat_id, replies)
                return reached

            await self.engine.nudge(row.user_id, row.chat_id, due, deliver)
            if not tried:  # nothing to say (a mood already logged today): done all the same
                await self.storage.mark_sent(row.user_id, due.key)
            return reached
        except Exception as error:
            log.error("could not send a scheduled %s: %s", due.kind, type(error).__name__)
            return False
