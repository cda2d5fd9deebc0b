"""End-to-end harness: the real python-telegram-bot Application, with our handlers, over
real HTTP against the fake Bot API on 127.0.0.1, driven as a person would."""

from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.config import Config
from bot.crypto import Cipher
from bot.scheduler import Ticker
from bot.telegram_adapter import ALLOWED_UPDATES, TelegramAdapter
from flows.dialogue.engine import Engine
from flows.lib.content import Content
from flows.registry import REGISTRY
from tests.fake_telegram import FakeTelegram

TOKEN = "123456:TEST-token-for-the-fake"
ROOT = Path(__file__).resolve().parent.parent


def bot_process_env(token: str, api_url: str, database_url: str, key: str, log_level: str = "WARNING",
                    **more: str) -> dict[str, str]:
    """The environment for `python -m bot` (or the echo bot) as a separate process against
    a fake Bot API, as an operator would set it; `more` adds settings (WEBHOOK_URL=...)."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_URL": api_url,
        "DATABASE_URL": database_url,
        "DATA_ENCRYPTION_KEY": key,
        "LOG_LEVEL": log_level,
        **more,
    }
WAIT = 10.0  # seconds; only ever reached when a test is about to fail


def make_config(fake: FakeTelegram, database: Path, key: str, **changes) -> Config:
    values = dict(
        token=TOKEN,
        api_url=fake.base_url,
        file_url=fake.base_file_url,
        database_path=database,
        encryption_key=key,
        log_level="DEBUG",
        webhook_url=None,
        webhook_secret=None,
        port=8443,
    )
    values.update(changes)
    return Config(**values)


@dataclass
class RunningBot:
    """Our bot, started the way run_polling starts it, plus a marker for handled updates."""

    fake: FakeTelegram
    telegram_bot: TelegramAdapter
    application: Application
    handled: dict[int, asyncio.Event] = field(default_factory=dict)

    def event(self, update_id: int) -> asyncio.Event:
        return self.handled.setdefault(update_id, asyncio.Event())

    async def _mark_handled(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.event(update.update_id).set()

    async def wait_handled(self, update_id: int) -> None:
        await asyncio.wait_for(self.event(update_id).wait(), WAIT)

    def ticker(self, clock) -> Ticker:
        """A second tick over this bot's own storage, at the time `clock()` gives (the bot's
        own tick follows the real clock), sending through the bot's own Telegram path."""
        telegram_bot = self.telegram_bot

        async def send(chat_id: int, replies: list) -> bool:
            return await telegram_bot.send(self.application.bot, chat_id, replies)

        return Ticker(telegram_bot.storage, Engine(telegram_bot.storage, telegram_bot.content, REGISTRY, clock=clock), send)


@asynccontextmanager
async def running_bot(fake: FakeTelegram, config: Config, content: Content):
    telegram_bot = TelegramAdapter(config, content, Cipher(config.encryption_key))
    application = telegram_bot.build()
    bot = RunningBot(fake, telegram_bot, application)
    # Runs after our handler (group 0) has finished, replies included.
    application.add_handler(TypeHandler(Update, bot._mark_handled), group=1)
    await application.initialize()
    await application.post_init(application)
    await application.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    await application.start()
    # Its scheduler takes the lead at once (it would at its first tick, a moment later): that
    # puts back what an earlier run claimed, before a test's own ticker claims anything.
    await telegram_bot.ticker.tick()
    try:
        yield bot
    finally:
        await application.updater.stop()
        await application.stop()
        await application.post_stop(application)
        await application.shutdown()
        await application.post_shutdown(application)


class Person:
    """Someone in a private chat with the bot."""

    def __init__(self, bot: RunningBot, user_id: int, first_name: str = "Ana") -> None:
        self.bot = bot
        self.fake = bot.fake
        self.user_id = user_id
        self.fake.add_private_chat(user_id, first_name=first_name)
        self.seen = 0  # messages already read
        self.last: list = []  # what the last send or press brought

    async def _after(self, update_id: int) -> list:
        await self.bot.wait_handled(update_id)
        messages = self.fake.messages(self.user_id)
        new, self.seen = messages[self.seen :], len(messages)
        self.last = new
        return new

    async def send(self, text: str) -> list:
        return await self._after(self.fake.send_text(self.user_id, text))

    async def press(self, label: str) -> list:
        message = self.message_with_button(label)
        return await self._after(self.fake.press(self.user_id, message.message_id, text=label))

    def labels(self) -> list[str]:
        """The buttons on what the last send or press brought, as a Chat's labels()."""
        return [text for message in self.last for row in message.buttons for text, _ in row]

    def message_with_button(self, label: str):
        for message in reversed(self.fake.messages(self.user_id)):
            if any(text == label for row in message.buttons for text, _ in row):
                return message
        raise AssertionError(f"no message with a button {label!r}")

    def transcript(self, messages: list | None = None) -> str:
        chosen = messages if messages is not None else self.fake.messages(self.user_id)
        return "\n".join(m.text or m.caption or "" for m in chosen)
