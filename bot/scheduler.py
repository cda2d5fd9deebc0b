"""The tick: send what has fallen due. It knows no Telegram; adapters give it a `send`.

Scheduled work is rows (bot/storage.py, table `scheduled`), not scheduler jobs: one job
ticks every TICK seconds, takes the rows that are due, claims each one (marks it sent)
before sending, so nothing goes out twice, and sends it through the adapter's normal,
rate-limited path. After downtime, a row at most GRACE late is still sent; an older one is
skipped (a planned activity then shows as missed).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.storage import Storage
from flows.dialogue.core import Reply
from flows.dialogue.engine import Engine

log = logging.getLogger(__name__)

TICK = 20  # seconds between ticks
GRACE = timedelta(hours=1)

Send = Callable[[int, list[Reply]], Awaitable[bool]]  # (chat id, replies) -> reached them?


class Ticker:
    def __init__(self, storage: Storage, engine: Engine, send: Send) -> None:
        self.storage = storage
        self.engine = engine
        self.send = send

    async def tick(self) -> int:
        """Send (or skip) everything due by now; returns how many were sent."""
        now = self.engine.clock()
        sent = 0
        for user_id, chat_id, due in await self.storage.due(now):
            try:
                if now - datetime.fromisoformat(due.due_at) > GRACE:
                    if await self.storage.claim(user_id, due.key, status="skipped"):
                        await self.engine.missed(user_id, chat_id, due)
                    continue
                if not await self.storage.claim(user_id, due.key):
                    continue  # another tick took it

                async def deliver(replies: list[Reply], chat_id: int = chat_id) -> bool:
                    return await self.send(chat_id, replies)

                if await self.engine.nudge(user_id, chat_id, due, deliver):
                    sent += 1
            except Exception as error:  # one person's problem must not stop everyone's reminders
                log.error("could not send a scheduled %s: %s", due.kind, type(error).__name__)
        return sent
