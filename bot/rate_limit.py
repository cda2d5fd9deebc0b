"""The last pace before the wire: python-telegram-bot's AIORateLimiter (which retries a 429
and keeps groups to 20 messages a minute), with every message, reply or reminder, counted
just before its request goes out: at most MESSAGES_PER_SECOND in any second. (Not evenly
spaced: a reply's two or three messages go together, as Telegram allows.)

Why here as well as in the drain: the drain paces reminders when it hands them over, but a
busy moment on the event loop can hold several back and then let them out together, and
Telegram counts what reaches it. AIORateLimiter's own bucket allows such a burst; this does
not. Telegram's limit is about 30 a second for one bot; the margin is for replies that
share it and for jitter on the way.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import AIORateLimiter

from bot.scheduler import Pacer

MESSAGES_PER_SECOND = 28.0
MESSAGES = frozenset({"sendMessage", "sendDocument", "sendPhoto", "editMessageText"})


class PacedRateLimiter(AIORateLimiter):
    def __init__(self, rate: float = MESSAGES_PER_SECOND, **options: Any) -> None:
        super().__init__(**options)
        self._pacer = Pacer(rate=rate, chat_gap=0.0, even=False)

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[override]
        if endpoint in MESSAGES:
            await self._pacer.wait(0)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
