"""The Telegram adapter: turns updates into `Incoming`, and replies into messages.

python-telegram-bot does what it is good at here (HTTP, polling or the webhook server,
keyboards, rate limiting); the dialogue itself is the engine's.
"""

from __future__ import annotations

import gc
import logging
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from telegram import (
    Bot as TelegramApiBot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults, TypeHandler

from bot.config import Config
from bot.crypto import Cipher
from bot.rate_limit import PacedRateLimiter
from bot.scheduler import Ticker
from bot.storage import Storage
from flows.lib import markup
from flows.lib.content import Content
from flows.dialogue.core import Button, Incoming, Reply, Timer
from flows.dialogue.engine import GLOBAL, BotIdentity, Engine
from flows.registry import REGISTRY

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
MEDIA_KINDS = (
    "sticker", "photo", "voice", "video", "video_note", "audio", "document",
    "animation", "location", "contact", "poll", "dice",
)  # fmt: skip
GONE = {ChatMember.BANNED, ChatMember.LEFT}  # a private chat's "kicked" status: the bot was blocked
# Crisis-line buttons stay usable after a tap (a group shares them; "Need help now?" stays).
KEEP_OPEN = f"{GLOBAL}:crisis"
NOT_MODIFIED = "message is not modified"  # an edit that changes nothing: already as wanted


class RecentSet:
    """A set that remembers only its most recent `size` members."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[object, None] = OrderedDict()

    def add(self, item: object) -> bool:
        """Add item; False if it was already there."""
        if item in self._items:
            return False
        self._items[item] = None
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return True

    def discard(self, item: object) -> None:
        self._items.pop(item, None)


def to_incoming(update: Update, bot_username: str) -> Incoming | None:
    """The transport-neutral form of an update, or None for updates we do not answer."""
    if update.my_chat_member is not None:
        change = update.my_chat_member
        if change.chat.type != ChatType.PRIVATE:
            return None
        kind = "blocked" if change.new_chat_member.status in GONE else "unblocked"
        return Incoming(change.from_user.id, change.chat.id, kind, update_id=update.update_id)
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat if query.message else None
        return Incoming(
            query.from_user.id,
            chat.id if chat else query.from_user.id,
            "button",
            data=query.data or "",
            private=chat is None or chat.type == ChatType.PRIVATE,
            update_id=update.update_id,
            message_id=query.message.message_id if query.message else None,
            language=query.from_user.language_code or "",
        )
    message = update.message or update.edited_message
    if message is None or message.from_user is None:
        return None
    base = {
        "user_id": message.from_user.id,
        "chat_id": message.chat.id,
        "private": message.chat.type == ChatType.PRIVATE,
        "update_id": update.update_id,
        "language": message.from_user.language_code or "",
    }
    if update.edited_message is not None:
        return Incoming(kind="edited", text=message.text or message.caption or "", **base)
    if message.text is None:
        media = next((kind for kind in MEDIA_KINDS if getattr(message, kind, None)), "other")
        return Incoming(kind="media", media=media, text=message.caption or "", **base)
    command = _command(message, bot_username)
    if command is not None:
        name, args = command
        return Incoming(kind="command", command=name, args=args, text=args, **base)
    return Incoming(kind="text", text=message.text, **base)


def _command(message: Message, bot_username: str) -> tuple[str, str] | None:
    entity = message.entities[0] if message.entities else None
    if entity is None or entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    text = message.text or ""
    name, _, target = text[1 : entity.length].partition("@")
    if target and target.lower() != bot_username.lower():
        return None  # "/help@OtherBot" in a group is for another bot
    return name.lower(), text[entity.length :].strip()


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    return _markup(reply.buttons) if reply.buttons else None


class _Keyboard(InlineKeyboardMarkup):
    """A keyboard that turns itself into its JSON dict once: PTB's objects never change, and
    PTB asks for the dict again on every request that carries it (only to dump it)."""

    __slots__ = ("_dict",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._dict = super().to_dict()

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        return self._dict if recursive else super().to_dict(recursive=False)


@lru_cache(maxsize=1024)
def _markup(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup:
    """The same buttons (/help's, a menu's) make the same keyboard, which PTB never changes:
    it is built once, not on every reply."""
    return _Keyboard(
        [[InlineKeyboardButton(b.label, callback_data=b.data, url=b.url) for b in row] for row in buttons]
    )


@dataclass
class TelegramAdapter:
    """Owns the Application, the storage connection and the engine for one process."""

    config: Config
    content: Content
    cipher: Cipher
    engine: Engine | None = field(default=None, init=False)
    storage: Storage | None = field(default=None, init=False)
    ticker: Ticker | None = field(default=None, init=False)
    # Keyboards already closed: a double tap carries the old keyboard and must not close it twice.
    _closed: RecentSet = field(default_factory=lambda: RecentSet(10_000), init=False)
    # chat id -> the message holding the current question's keyboard (in memory: after a
    # restart an old keyboard is answered by the engine's stale-button reply instead).
    _open_question: dict[int, int] = field(default_factory=dict, init=False)
    application: Application | None = field(default=None, init=False)

    def build(self) -> Application:
        builder = (
            ApplicationBuilder()
            .token(self.config.token or "")
            .defaults(Defaults(parse_mode=ParseMode.HTML))
            # Spaces every message under Telegram's limit, and retries after a 429 so the reply
            # still arrives; it never retries anything else (bot/rate_limit.py).
            .rate_limiter(PacedRateLimiter(max_retries=3))
            # Work for one person is serialised by the engine; different people run side by side.
            .concurrent_updates(64)
            .post_init(self._start)
            .post_stop(self._stop_sending)
            .post_shutdown(self._stop)
        )
        if self.config.api_url:
            builder = builder.base_url(self.config.api_url)
        if self.config.file_url:
            builder = builder.base_file_url(self.config.file_url)
        application = builder.build()
        self.application = application
        application.add_handler(TypeHandler(Update, self.on_update))
        application.add_error_handler(self.on_error)
        return application

    async def _start(self, application: Application) -> None:
        self.storage = await Storage.open(self.config.database_path, self.cipher, self.config.postgres_url)
        self.engine = Engine(
            self.storage, self.content, REGISTRY, bot=BotIdentity(application.bot.username)
        )
        private = [BotCommand(c.name, c.menu) for c in self.content.commands]
        groups = [BotCommand(c.name, c.menu) for c in self.content.commands if c.groups]
        await application.bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
        await application.bot.set_my_commands(groups, scope=BotCommandScopeAllGroupChats())
        self.ticker = Ticker(
            self.storage, self.engine, lambda chat_id, replies: self.send(application.bot, chat_id, replies)
        )
        assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
        # One ticking job; the first tick, at once, catches up on what fell due while down
        # (first=0 would wait a whole interval: PTB reads a falsy `first` as "not given").
        # A tick only starts a drain and returns, so ticks never pile up behind a long one.
        application.job_queue.run_repeating(
            self._tick, interval=self.config.tick_seconds, first=0.1, name="tick",
            job_kwargs={"misfire_grace_time": None},
        )
        # What start-up made (content, compiled screening, templates) lives as long as the
        # process: out of the collector's sight, a full collection need not walk it again.
        gc.freeze()
        log.info("bot @%s started", application.bot.username)

    async def _tick(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert self.ticker is not None
        await self.ticker.tick()

    async def _stop_sending(self, application: Application) -> None:
        """After the updates stop and before the HTTP client closes: the drain's sends
        under way finish, and nothing more is claimed."""
        if self.ticker is not None:
            await self.ticker.stop()
            self.ticker = None

    async def _stop(self, application: Application) -> None:
        await self._stop_sending(application)  # if stopping never ran (a failed start)
        if self.storage is not None:
            await self.storage.close()
            self.storage = None

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every update comes through here: one front door, as in the engine."""
        assert self.engine is not None
        incoming = to_incoming(update, context.bot.username)
        if incoming is None:
            return
        query = update.callback_query

        async def deliver(replies: list[Reply]) -> bool:
            if query is not None:  # a keyboard that the replies edit stays open
                await self._settle(context, query, close=not any(r.edit for r in replies))
            return await self.send(context.bot, incoming.chat_id, replies, incoming.message_id)

        await self.engine.handle(incoming, deliver)

    async def _settle(self, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, close: bool = True) -> None:
        """Stop the button's spinner and close an answered question's keyboard, best effort:
        a double tap or a query gone stale after a restart must not cost the reply."""
        try:
            await query.answer()
        except BadRequest as error:
            log.info("could not answer a button press: %s", type(error).__name__)
        message = query.message
        if (
            close
            and message is not None
            and getattr(message, "reply_markup", None)
            and not (query.data or "").startswith(KEEP_OPEN)
        ):
            await self._close_keyboard(context.bot, message.chat.id, message.message_id)

    async def send(self, bot: TelegramApiBot, chat_id: int, replies: list[Reply], source: int | None = None) -> bool:
        """Send replies in order, a reply with `edit` replacing `source` (the message the
        input came from); False if the person has blocked the bot. The question asked last
        has been answered (or is asked anew): its keyboard closes once the replies are out,
        so that closing it never delays them, unless the replies edit that very message."""
        answered = self._open_question.pop(chat_id, None) if replies else None
        if answered == source and any(r.edit for r in replies):
            answered = None
        try:
            for reply in replies:
                if reply.document is not None:
                    document = InputFile(await reply.document.data(), filename=reply.document.filename)
                    await bot.send_document(chat_id, document, caption=reply.text, reply_markup=keyboard(reply))
                    continue
                shown = None
                if reply.edit is not None and source is not None:
                    shown = await self._edit(bot, chat_id, source, reply)
                if shown is None:
                    shown = await self._send_text(bot, chat_id, reply)
                if any(b.data and not b.data.startswith(f"{GLOBAL}:") for row in reply.buttons for b in row):
                    self._open_question[chat_id] = shown
                if reply.after is not None:
                    self._start_timer(chat_id, reply.after, shown)
            if answered is not None:
                await self._close_keyboard(bot, chat_id, answered)
        except Forbidden:
            return False
        return True

    async def _send_text(self, bot: TelegramApiBot, chat_id: int, reply: Reply) -> int:
        """Send a reply as a new message; returns its id."""
        try:
            message = await bot.send_message(chat_id, reply.text, reply_markup=keyboard(reply))
        except BadRequest as error:
            if "parse entities" not in error.message:
                raise
            # Never leave someone without an answer (a crisis card above all): plain text.
            log.error("Telegram refused a reply's HTML; sent it as plain text")
            message = await bot.send_message(
                chat_id, markup.to_plain(reply.text), parse_mode=None, reply_markup=keyboard(reply)
            )
        return message.message_id

    async def _edit(self, bot: TelegramApiBot, chat_id: int, message_id: int, reply: Reply) -> int | None:
        """Replace a message in place; None if it cannot be (deleted, too old, refused), so
        that the reply is sent anew and nothing is lost."""
        try:
            if reply.edit == "buttons":
                await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=keyboard(reply))
            else:
                await bot.edit_message_text(reply.text, chat_id, message_id, reply_markup=keyboard(reply))
        except BadRequest as error:
            if NOT_MODIFIED not in error.message.lower():  # not modified: it already shows this
                log.info("could not edit a message; sending it anew: %s", type(error).__name__)
                await self._close_keyboard(bot, chat_id, message_id)  # its old buttons are stale now
                return None
        if reply.buttons:  # an edit can bring back a keyboard closed before: it can close again
            self._closed.discard((chat_id, message_id))
        return message_id

    def _start_timer(self, chat_id: int, timer: Timer, message_id: int) -> None:
        """One job for one timed step (never a sleeping handler), and one at a time in a chat:
        the newest timed message's. If they moved on first, the engine ignores it."""
        assert self.application is not None and self.application.job_queue is not None
        name = f"timer:{chat_id}"
        for waiting in self.application.job_queue.get_jobs_by_name(name):
            waiting.schedule_removal()

        async def time_is_up(context: ContextTypes.DEFAULT_TYPE) -> None:
            assert self.engine is not None
            incoming = Incoming(chat_id, chat_id, "timer", data=timer.data, message_id=message_id)
            await self.engine.handle(incoming, lambda replies: self.send(context.bot, chat_id, replies, message_id))

        self.application.job_queue.run_once(
            time_is_up, when=timer.seconds, chat_id=chat_id, name=name, job_kwargs={"misfire_grace_time": None}
        )

    async def _close_keyboard(self, bot: TelegramApiBot, chat_id: int, message_id: int) -> None:
        """Remove a message's keyboard once; Telegram refuses to close it a second time. (With
        several processes, another may have closed it already: Telegram's "not modified".)"""
        if not self._closed.add((chat_id, message_id)):
            return
        try:
            await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        except BadRequest as error:
            if NOT_MODIFIED not in error.message.lower():
                log.info("could not close a keyboard: %s", type(error).__name__)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log by type and frames only (an exception's message can hold someone's words)."""
        error = context.error
        frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("%s while handling update %s\n%s", type(error).__name__, update_id, frames)
        chat = update.effective_chat if isinstance(update, Update) else None
        user = update.effective_user if isinstance(update, Update) else None
        if chat is None or user is None or chat.type != ChatType.PRIVATE or self.engine is None:
            return
        try:  # apologise, then pick up where they were: their last answer may have been saved
            prompt = await self.engine.current_prompt(user.id, chat.id)
            apology = Reply(self.content.render("general/error", in_flow=bool(prompt)))
            await self.send(context.bot, chat.id, [apology, *prompt])
        except Exception as second:  # the apology is best effort
            log.error("could not send the apology: %s", type(second).__name__)


def run(config: Config, content: Content, cipher: Cipher) -> None:
    """Run until SIGINT/SIGTERM: long polling, or a webhook server when WEBHOOK_URL is set."""
    application = TelegramAdapter(config, content, cipher).build()
    if config.webhook_url:
        application.run_webhook(
            listen="0.0.0.0",
            port=config.port,
            url_path=config.webhook_path,
            webhook_url=config.webhook_url,
            secret_token=config.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
