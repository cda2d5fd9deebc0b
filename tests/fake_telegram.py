"""A small fake of the Telegram Bot API on 127.0.0.1, for end-to-end tests.

It answers the way api.telegram.org answers (the `{"ok": ..., "result"/"error_code"/"description"}`
envelope, the same HTTP status codes, descriptions close to the real ones) and validates what
Telegram validates, so a bug in our bot shows up as a failing test instead of in production:
HTML that Telegram would refuse, text that is too long once the tags are gone, buttons whose
callback_data is too long, edits that change nothing, answers to unknown callback queries.
An edit must name a bot's message in that chat, its text obeys the same rules as a sent
text, its markup must be an inline keyboard, and each edit keeps the version it replaced
(`SentMessage.versions`), so a test can read a message as it is now and as it was.

The server runs in a background thread (stdlib only); a test drives it as a person would
(`send_text`, `press`, `block`) and reads what the bot did (`messages`, `message`,
`requests`, `count`). A test that plays Telegram's webhook calls takes updates off the queue
(`take_update`) and POSTs them itself; several bot processes each reach the fake through
their own `client_url`, and each request it logs names the process that made it.
Every public method is thread-safe.

Two options make it behave like a server that is far away and busy (both off by default):
`latency` delays each call (calls overlap, as they do at Telegram), and `flood_control`
refuses messages sent faster than Telegram allows, with its 429 "retry after" answer; see
`FakeTelegram.__init__`. `send_times` and `closest_sends` show how the bot paced its messages.

    with FakeTelegram() as fake:
        fake.add_private_chat(42)
        application = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
        ...
        update_id = fake.send_text(42, "/start")
        await fake.await_for(lambda: fake.messages(42))
        assert not fake.unexpected_errors()

Not modelled: Markdown/MarkdownV2 (such text is stored as sent), the `entities` parameter,
entity nesting rules, inline-mode messages, downloads from base_file_url, rate limits other
than the two of `flood_control` (no 20-a-minute limit in groups, none on other methods; without
`flood_control`, inject 429s instead), group membership and admin rights, methods not listed
below (they get Telegram's 404 "Not Found", which PTB reports as InvalidToken).
"""

from __future__ import annotations

import asyncio
import copy
import email.policy
import itertools
import json
import re
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

MAX_TEXT = 4096  # UTF-16 code units of visible text, after entity parsing
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
BUTTON_KINDS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                "copy_text", "callback_game", "pay")
# Without allowed_updates Telegram sends every type except these.
OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
SCOPES = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators",
          "chat", "chat_administrators", "chat_member"}
CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice",
                "upload_voice", "upload_document", "choose_sticker", "find_location",
                "record_video_note", "upload_video_note"}
# Form values are JSON-encoded unless they are strings (PTB's RequestData.json_parameters);
# these parameters are strings, so "123" stays "123".
STRING_PARAMS = {"text", "caption", "parse_mode", "callback_query_id", "url", "action",
                 "description", "short_description", "name", "inline_message_id", "title",
                 "secret_token", "language_code", "emoji", "business_connection_id"}
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8", b"RIFF")
BLOCKED = "Forbidden: bot was blocked by the user"
# Flood control (FakeTelegram(flood_control=True)): what counts as a message, and the limits.
FLOOD_METHODS = {"sendMessage", "sendDocument", "sendPhoto", "editMessageText"}
SEND_METHODS = ("sendMessage", "sendDocument", "sendPhoto")  # what send_times counts
FLOOD_WINDOW = 1.0  # seconds, sliding
FLOOD_TOTAL = 30  # messages a second in all chats together
FLOOD_PER_CHAT = 2  # messages to one chat within FLOOD_WINDOW; the next is refused
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")


def utf16_len(text: str) -> int:
    """Telegram measures text and entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    """An error answer: HTTP status and Telegram's description (and optional parameters)."""

    def __init__(self, status: int, description: str, parameters: dict | None = None,
                 injected: bool = False, flood: bool = False):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters
        self.injected, self.flood = injected, flood


def bad(description: str) -> ApiError:
    return ApiError(400, "Bad Request: " + description)


@dataclass
class SentMessage:
    """One message in a chat as the fake stores it (the bot's, or a user's when from_bot is False).

    `html` is the text or caption exactly as sent; `text`/`caption` are what the person sees.
    """

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    text: str | None = None
    html: str | None = None
    parse_mode: str | None = None
    entities: list = field(default_factory=list)
    caption: str | None = None
    reply_markup: dict | None = None
    document: dict | None = None  # {"file_id", "file_name", "mime_type", "data"}
    photo: dict | None = None
    edit_date: int | None = None
    raw: dict | None = None  # the Message JSON of a user's message
    versions: list[dict] = field(default_factory=list)  # before each edit: {"text", "html", "reply_markup"}

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Rows of (label, callback_data or url) of the inline keyboard, [] without one."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[(b["text"], b.get("callback_data", b.get("url"))) for b in row] for row in rows]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API behind PTB's connection pool
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls per request
    wbufsize = 1 << 16  # headers and body leave in one write

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        self.server.fake._serve(self)  # type: ignore[attr-defined]

    do_GET = do_POST

    def log_message(self, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    """One thread per connection, as before; a listen backlog that takes a burst of new
    connections (socketserver's default of 5 drops the rest, and the client retries a
    second later)."""

    request_queue_size = 128
    daemon_threads = True
    block_on_close = False  # keep-alive threads must not hold up stop()


class FakeTelegram:
    """A fake Telegram Bot API server; see the module docstring."""

    def __init__(self, token: str = "123:ABC", username: str = "CBTCompanionTestBot",
                 strict_ampersand: bool = True, latency: float = 0.0, flood_control: bool = False,
                 clock: Callable[[], float] = time.monotonic):
        """`strict_ampersand`: real Telegram shows a bare `&` (or `&nbsp;`) literally; by
        default the fake refuses it, because it nearly always means text was not escaped.

        `latency`: seconds every call takes before it is handled, as with a server far away.
        The whole delay comes before the call is handled (the answer then leaves at once), so a
        request's `at` is when it arrives; calls wait outside the fake's lock and so overlap.
        getUpdates is not delayed: it keeps its long-poll semantics (it answers as soon as an
        update arrives, or when its timeout ends).

        `flood_control`: Telegram's flood limits on messages (sendMessage, sendDocument,
        sendPhoto, editMessageText), answered as Telegram answers: HTTP 429, "Too Many
        Requests: retry after 1", parameters.retry_after = 1. A message is refused when
        - 30 messages were accepted in all chats together in the last second, or
        - 2 messages were accepted in its chat in the last second. Telegram asks for at most
          one message a second in a chat but lets short bursts through; the fake lets a burst
          of two through and refuses the third.
        Only accepted messages count (a refused one was not sent). The windows slide over the
        last 1.0 s of `clock()`, which a test can replace to move time without sleeping; each
        refusal is flagged (`flood_refusals`)."""
        self.token, self.username, self.strict_ampersand = token, username, strict_ampersand
        self.latency, self.flood_control, self._clock = latency, flood_control, clock
        self._sent_all: deque[float] = deque()  # clock() of messages accepted (flood_control)
        self._sent_chat: dict[str, deque[float]] = {}  # the same, per chat
        self.bot_user = {"id": int(token.split(":")[0]), "is_bot": True,
                         "first_name": "CBT Companion", "username": username,
                         "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False, "can_connect_to_business": False,
                         "has_main_web_app": False}
        self._cond = threading.Condition(threading.RLock())
        self._version = 0
        self._users: dict[int, dict] = {}
        self._chats: dict[int, dict] = {}  # id -> {"json", "blocked", "messages": {id: SentMessage}}
        self._updates: list[dict] = []
        self._ids = itertools.count(1000)  # update ids, callback query ids, file ids
        self._confirmed_below = 0
        self._allowed: set[str] | None = None  # None: Telegram's default set
        self.dropped_updates: list[int] = []
        self.pending_polls = 0  # getUpdates calls waiting right now
        self._poll_generation = 0
        self._queries: dict[str, dict] = {}
        self._files: dict[str, dict] = {}
        self._commands: dict[tuple, list[dict]] = {}
        self._webhook: dict = {"url": ""}
        self._injections: list[dict] = []
        self._log: list[dict] = []
        self._stopping = False
        self._server: ThreadingHTTPServer | None = None
        self._methods = {name[5:].lower(): name[5:] for name in dir(self) if name.startswith("_api_")}

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> "FakeTelegram":
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self  # type: ignore[attr-defined]
        self._server.handle_error = self._handle_error  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        name="fake-telegram", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True  # long polls return at once
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=2)
            self._server = None

    def __enter__(self) -> "FakeTelegram":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "call start() first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """PTB's base_url form: PTB appends the token and then `/<method>`."""
        return f"http://127.0.0.1:{self.port}/bot"

    def client_url(self, client: str) -> str:
        """base_url for one of several bot processes sharing the token: the fake answers it
        as base_url, and logs each of its requests with "client" = `client` (A-Z, a-z, 0-9,
        _ and -), so a test can tell which process made a call."""
        assert re.fullmatch(r"[A-Za-z0-9_-]+", client), client
        return f"http://127.0.0.1:{self.port}/as/{client}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---------------------------------------------------------------- the people

    def add_private_chat(self, user_id: int, first_name: str = "Ana", language_code: str = "en",
                         username: str | None = None) -> dict:
        """A person who has opened a private chat with the bot (its chat id is the user id)."""
        with self._cond:
            user = {"id": user_id, "is_bot": False, "first_name": first_name,
                    "language_code": language_code}
            if username:
                user["username"] = username
            self._users[user_id] = user
            chat = {"id": user_id, "type": "private", "first_name": first_name}
            if username:
                chat["username"] = username
            self._chats[user_id] = {"json": chat, "blocked": False, "messages": {}, "ids": itertools.count(1)}
            return chat

    def add_group_chat(self, chat_id: int, title: str = "Group") -> dict:
        """A group the bot is a member of; group chat ids are negative."""
        with self._cond:
            chat = {"id": chat_id, "type": "group" if chat_id > -10**12 else "supergroup",
                    "title": title}
            self._chats[chat_id] = {"json": chat, "blocked": False, "messages": {}, "ids": itertools.count(1)}
            return chat

    def send_text(self, user_id: int, text: str, chat_id: int | None = None) -> int:
        """The person sends `text`; a leading "/cmd" or "/cmd@BotName" gets a bot_command
        entity at offset 0, as Telegram adds. Returns the update_id."""
        content: dict[str, Any] = {"text": text}
        command = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?(?=\s|$)", text)
        if command:
            content["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": utf16_len(command.group(0))}]
        return self._user_message(user_id, chat_id, "message", content)

    def send_sticker(self, user_id: int, emoji: str = "🙂", chat_id: int | None = None) -> int:
        file_id = self._new_file_id("CAACAgIAAxkBAA")
        sticker = {"file_id": file_id, "file_unique_id": file_id[-10:], "type": "regular",
                   "width": 512, "height": 512, "is_animated": False, "is_video": False,
                   "emoji": emoji}
        return self._user_message(user_id, chat_id, "message", {"sticker": sticker})

    def send_photo(self, user_id: int, caption: str | None = None, chat_id: int | None = None) -> int:
        file_id = self._new_file_id("AgACAgIAAxkBAA")
        sizes = [{"file_id": f"{file_id}{w}", "file_unique_id": f"{file_id[-8:]}{w}", "width": w,
                  "height": w * 3 // 4, "file_size": w * 60} for w in (90, 320, 800)]
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user_id, chat_id, "message", content)

    def send_voice(self, user_id: int, duration: int = 3, chat_id: int | None = None) -> int:
        file_id = self._new_file_id("AwACAgIAAxkBAA")
        voice = {"file_id": file_id, "file_unique_id": file_id[-10:], "duration": duration,
                 "mime_type": "audio/ogg", "file_size": 4000 * duration}
        return self._user_message(user_id, chat_id, "message", {"voice": voice})

    def edit_text(self, user_id: int, message_id: int, new_text: str,
                  chat_id: int | None = None) -> int:
        """The person edits one of their own text messages: an `edited_message` update."""
        with self._cond:
            rec = self._message(user_id if chat_id is None else chat_id, message_id)
            assert not rec.from_bot and rec.text is not None, "a person edits only their own texts"
            rec.text, rec.edit_date = new_text, int(time.time())
            rec.raw = {**rec.raw, "text": new_text, "edit_date": rec.edit_date}  # type: ignore[dict-item]
            rec.raw.pop("entities", None)
            return self._queue({"edited_message": copy.deepcopy(rec.raw)})

    def press(self, user_id: int, message_id: int, callback_data: str | None = None,
              text: str | None = None, chat_id: int | None = None) -> int:
        """The person taps a button of the message's CURRENT inline keyboard, found by
        callback_data or by label. A button that is not there cannot be tapped: AssertionError."""
        assert callback_data is not None or text is not None, "say which button: callback_data or text"
        with self._cond:
            chat_id = user_id if chat_id is None else chat_id
            rec = self._message(chat_id, message_id)
            rows = (rec.reply_markup or {}).get("inline_keyboard") or []
            found = [b for row in rows for b in row
                     if (callback_data is not None and b.get("callback_data") == callback_data)
                     or (text is not None and b.get("text") == text)]
            if not found:
                wanted = callback_data if callback_data is not None else text
                raise AssertionError(f"no button {wanted!r} on message {message_id} in chat "
                                     f"{chat_id}; its buttons are {rec.buttons}")
            if "callback_data" not in found[0]:
                raise AssertionError(f"button {found[0]['text']!r} is not a callback button: {found[0]}")
            query_id = str(next(self._ids) * 7919)
            query = {"id": query_id, "from": self._user(user_id), "message": self._message_json(rec),
                     "chat_instance": str(abs(chat_id) * 31 + 7), "data": found[0]["callback_data"]}
            update_id = self._queue({"callback_query": query})
            self._queries[query_id] = {"answered": False, "answer": None, "update_id": update_id}
            return update_id

    def take_update(self, update_id: int) -> dict:
        """The queued update `update_id`, taken off the queue (getUpdates never serves it), as
        the JSON Telegram would POST to a webhook: for a test that pushes updates itself."""
        with self._cond:
            found = [u for u in self._updates if u["update_id"] == update_id]
            assert found, f"update {update_id} is not queued (served, dropped or taken already)"
            self._updates.remove(found[0])
            return copy.deepcopy(found[0])

    def block(self, user_id: int) -> int:
        """The person blocks the bot: sends now fail with 403; a my_chat_member update arrives."""
        return self._set_blocked(user_id, True)

    def unblock(self, user_id: int) -> int:
        return self._set_blocked(user_id, False)

    # ---------------------------------------------------------------- what the bot did

    def messages(self, chat_id: int, include_user: bool = False) -> list[SentMessage]:
        """Copies of the messages in a chat, oldest first (only the bot's by default)."""
        with self._cond:
            chat = self._chats.get(chat_id)
            found = [m for m in (chat["messages"].values() if chat else []) if include_user or m.from_bot]
            return copy.deepcopy(found)

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """A copy of one message as it is now (edits applied; `versions` holds the earlier ones)."""
        with self._cond:
            return copy.deepcopy(self._message(chat_id, message_id))

    def last_message(self, chat_id: int) -> SentMessage:
        sent = self.messages(chat_id)
        assert sent, f"the bot has sent nothing to chat {chat_id}"
        return sent[-1]

    def requests(self, method: str | None = None) -> list[dict]:
        """Every request: {"method", "params" (decoded), "status", "response", "injected",
        "flood" (a flood_control 429), "at" (time.time() when it was handled, which with
        `latency` is after the delay: when it arrived), "client" (the name in client_url, or
        None)}."""
        with self._cond:
            return copy.deepcopy([r for r in self._log if method is None or r["method"] == method])

    def count(self, method: str, chat_id: int | None = None) -> int:
        """How many calls of `method` (to `chat_id`, if given) succeeded: e.g. messages sent."""
        with self._cond:  # read in place (no copy): a benchmark asks this often while the bot sends
            return sum(1 for r in self._log if r["method"] == method and r["status"] == 200
                       and (chat_id is None or str(r["params"].get("chat_id")) == str(chat_id)))

    def unexpected_errors(self) -> list[dict]:
        """Error answers (status >= 400) that the test did not inject. Refusals of
        `flood_control`, which the test asked for, are not among them: see flood_refusals()."""
        return [r for r in self.requests() if r["status"] >= 400 and not r["injected"] and not r["flood"]]

    def flood_refusals(self) -> int:
        """How many calls flood_control refused with 429."""
        with self._cond:
            return sum(1 for r in self._log if r["flood"])

    def send_times(self, chat_id: int) -> list[float]:
        """The `at` times (time.time(), when the call arrived) of the messages sent to chat_id
        by sendMessage, sendDocument and sendPhoto that succeeded, in order (edits not included)."""
        with self._cond:
            return [r["at"] for r in self._log if r["method"] in SEND_METHODS and r["status"] == 200
                    and str(r["params"].get("chat_id")) == str(chat_id)]

    def closest_sends(self) -> float | None:
        """The smallest gap in seconds between two successful sends to the same chat, over all
        chats (send_times of each); None if no chat got two."""
        with self._cond:
            chats = {str(r["params"].get("chat_id")) for r in self._log if r["method"] in SEND_METHODS}
            gaps = [later - earlier for chat in chats
                    for earlier, later in itertools.pairwise(self.send_times(chat))]
        return min(gaps) if gaps else None

    def commands(self, scope_type: str = "default", language_code: str = "",
                 chat_id: int | None = None, user_id: int | None = None) -> list[tuple[str, str]]:
        """The bot's command list for one scope, as (command, description) pairs."""
        with self._cond:
            stored = self._commands.get((scope_type, chat_id, user_id, language_code), [])
            return [(c["command"], c["description"]) for c in stored]

    def callback_answer(self, update_id: int) -> dict | None:
        """How the bot answered the callback query of update_id (from press); None if not yet."""
        with self._cond:
            found = [q["answer"] for q in self._queries.values() if q["update_id"] == update_id]
            return copy.deepcopy(found[0]) if found else None

    def updates_confirmed(self, update_id: int) -> bool:
        """True once the bot has called getUpdates with an offset above update_id."""
        with self._cond:
            return self._confirmed_below > update_id

    def inject_error(self, method: str, status: int = 429, retry_after: int = 2, times: int = 1,
                     chat_id: int | None = None, description: str | None = None) -> None:
        """The next `times` calls of `method` (to `chat_id`, if given) fail with `status`;
        a 429 carries parameters.retry_after, like Telegram's flood control."""
        default = {429: f"Too Many Requests: retry after {retry_after}", 403: BLOCKED,
                   400: "Bad Request: injected error", 500: "Internal Server Error",
                   502: "Bad Gateway"}.get(status) or HTTPStatus(status).phrase
        with self._cond:
            self._injections.append({"method": method.lower(), "status": status, "times": times,
                                     "retry_after": retry_after, "chat_id": chat_id,
                                     "description": description or default})

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0, what: str = "") -> Any:
        """Block until predicate() is truthy (re-checked on every change); AssertionError on
        timeout, listing the last requests the bot made."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_message(timeout, what or predicate))
                self._cond.wait(min(remaining, 0.05))  # also re-check state outside the fake
            return result

    async def await_for(self, predicate: Callable[[], Any], timeout: float = 5.0, what: str = "") -> Any:
        """wait_for for asyncio tests: the event loop (and the bot in it) keeps running, and
        predicate() is evaluated on the loop's thread."""
        deadline = time.monotonic() + timeout
        while not (result := predicate()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(self._timeout_message(timeout, what or predicate))
            seen = self._version
            await asyncio.to_thread(self._wait_change, seen, min(remaining, 0.05))
        return result

    # ---------------------------------------------------------------- HTTP

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        url = urlsplit(handler.path)
        route = re.fullmatch(r"(?:/as/([A-Za-z0-9_-]+))?/bot([^/]+)/([A-Za-z]+)", url.path)
        method = route.group(3) if route else url.path
        params, files, injected, flood = {}, {}, False, False
        received = self._clock()  # when Telegram would count it against the flood limits
        if self.latency > 0 and method.lower() != "getupdates":
            time.sleep(self.latency)  # outside the lock: concurrent calls overlap
        with self._cond:
            try:
                params, files = self._decode(handler.headers.get("Content-Type") or "", body, url.query)
                if route is None:
                    raise ApiError(404, "Not Found")
                if route.group(2) != self.token:
                    raise ApiError(401, "Unauthorized")
                if method.lower() not in self._methods:
                    raise ApiError(404, "Not Found")
                method = self._methods[method.lower()]  # Telegram ignores the case of method names
                self._inject(method, params)
                self._check_flood(method, params, received)
                status, payload = 200, {"ok": True, "result": getattr(self, "_api_" + method)(params, files)}
                self._count_flood(method, params, received)
            except ApiError as error:
                status, payload = error.status, {"ok": False, "error_code": error.status,
                                                 "description": error.description}
                if error.parameters:
                    payload["parameters"] = error.parameters
                injected, flood = error.injected, error.flood
            except Exception as error:  # a bug in the fake, or a parameter it cannot read
                status, payload = 500, {"ok": False, "error_code": 500,
                                        "description": f"Internal Server Error (fake: {error!r})"}
            shown = {**params, **{k: {"file_name": f["file_name"], "size": len(f["data"])}
                                  for k, f in files.items()}}
            self._log.append({"method": method, "params": shown, "status": status,
                              "response": payload, "injected": injected, "flood": flood,
                              "at": time.time(), "client": route.group(1) if route else None})
            self._changed()
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _decode(self, content_type: str, body: bytes, query: str) -> tuple[dict, dict]:
        """Query string, form-encoded, JSON or multipart parameters; JSON-encoded values are
        decoded (PTB sends `reply_markup`, `chat_id`, `allowed_updates` that way)."""
        raw: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        files: dict[str, dict] = {}
        if content_type.startswith("application/json") and body:
            raw.update(json.loads(body))
        elif content_type.startswith("application/x-www-form-urlencoded"):
            raw.update({k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()})
        elif content_type.startswith("multipart/form-data"):
            head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
            message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                data = part.get_payload(decode=True) or b""
                filename = part.get_filename()
                if filename is None:
                    raw[name] = data.decode()
                else:
                    filename = filename.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                    files[name] = {"file_name": filename, "mime_type": part.get_content_type(),
                                   "data": data}
        return {k: self._json_value(k, v) for k, v in raw.items()}, files

    @staticmethod
    def _json_value(key: str, value: Any) -> Any:
        if not isinstance(value, str) or key in STRING_PARAMS:
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    def _inject(self, method: str, params: dict) -> None:
        """Raises the first matching injected error (which then counts as used)."""
        for rule in self._injections:
            if rule["times"] > 0 and rule["method"] == method.lower() and (
                    rule["chat_id"] is None or str(params.get("chat_id")) == str(rule["chat_id"])):
                rule["times"] -= 1
                extra = {"retry_after": rule["retry_after"]} if rule["status"] == 429 else None
                raise ApiError(rule["status"], rule["description"], extra, injected=True)

    def _flood_windows(self, params: dict, now: float) -> tuple[deque, deque | None]:
        """The accepted messages of the FLOOD_WINDOW seconds before `now`: in all chats, and in
        the chat of this call (None for a call without chat_id, such as an inline message edit)."""
        chat = params.get("chat_id")
        windows = [self._sent_all]
        if chat is not None:
            windows.append(self._sent_chat.setdefault(str(chat), deque()))
        for window in windows:
            while window and now - window[0] >= FLOOD_WINDOW:
                window.popleft()
        return self._sent_all, windows[1] if chat is not None else None

    def _check_flood(self, method: str, params: dict, received: float) -> None:
        """Refuses a message over Telegram's limits (see __init__) with its 429 answer. The
        windows count when each call was received, before `latency`: what Telegram counts is
        what reaches it, not when its answer is ready."""
        if not self.flood_control or method not in FLOOD_METHODS:
            return
        total, chat = self._flood_windows(params, received)
        if len(total) >= FLOOD_TOTAL or (chat is not None and len(chat) >= FLOOD_PER_CHAT):
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1}, flood=True)

    def _count_flood(self, method: str, params: dict, received: float) -> None:
        """An accepted message enters the windows; a refused one never does. (Calls handled
        out of the order received are rare; the windows assume order, as a deque.)"""
        if not self.flood_control or method not in FLOOD_METHODS:
            return
        total, chat = self._flood_windows(params, received)
        total.append(received)
        if chat is not None:
            chat.append(received)

    # ---------------------------------------------------------------- Bot API methods

    def _api_getMe(self, p: dict, files: dict) -> dict:
        return self.bot_user

    def _api_getUpdates(self, p: dict, files: dict) -> list[dict]:
        """Offset confirms (forgets) every earlier update; a negative offset keeps only the
        last -offset ones. With `timeout` the call waits until an update arrives. The last
        allowed_updates sent is remembered; updates of other types are dropped. A newer call
        ends a waiting one (with [] here; Telegram answers it 409, but PTB has hung up on it)."""
        if self._webhook["url"]:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        if "allowed_updates" in p:
            self._allowed = set(p["allowed_updates"] or []) or None
        offset, limit = int(p.get("offset") or 0), min(max(int(p.get("limit") or 100), 1), 100)
        if offset < 0:
            offset = self._updates[offset]["update_id"] if -offset <= len(self._updates) else 0
        if offset:
            self._confirmed_below = max(self._confirmed_below, offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + float(p.get("timeout") or 0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()
        self.pending_polls += 1
        try:
            while True:
                for update in [u for u in self._updates if not self._wanted(u)]:
                    self._updates.remove(update)
                    self.dropped_updates.append(update["update_id"])
                remaining = deadline - time.monotonic()
                if generation != self._poll_generation:
                    return []
                if self._updates or remaining <= 0 or self._stopping:
                    return copy.deepcopy(self._updates[:limit])
                self._cond.wait(remaining)
        finally:
            self.pending_polls -= 1

    def _api_sendMessage(self, p: dict, files: dict) -> dict:
        chat = self._chat(p)
        html, text, entities = self._message_text(p)
        rec = SentMessage(0, chat["json"]["id"], True, int(time.time()), text=text, html=html,
                          parse_mode=p.get("parse_mode"), entities=entities,
                          reply_markup=self._markup(p.get("reply_markup")))
        return self._store(chat, rec)

    def _api_sendPhoto(self, p: dict, files: dict) -> dict:
        return self._send_media(p, files, "photo")

    def _api_sendDocument(self, p: dict, files: dict) -> dict:
        return self._send_media(p, files, "document")

    def _api_editMessageText(self, p: dict, files: dict) -> dict:
        """Replaces text and markup (a missing reply_markup removes the keyboard); an edit
        that changes nothing is refused as "message is not modified"."""
        rec = self._editable(p)
        if rec.text is None:
            raise bad("there is no text in the message to edit")
        html, text, entities = self._message_text(p)
        markup = self._edit_markup(p)
        if (text, entities, markup) == (rec.text, rec.entities, self._inline(rec.reply_markup)):
            raise bad(NOT_MODIFIED)
        self._keep_version(rec)
        rec.text, rec.html, rec.entities, rec.reply_markup = text, html, entities, markup
        rec.parse_mode = p.get("parse_mode")
        return self._message_json(rec)

    def _api_editMessageReplyMarkup(self, p: dict, files: dict) -> dict:
        rec = self._editable(p)
        markup = self._edit_markup(p)
        if markup == self._inline(rec.reply_markup):
            raise bad(NOT_MODIFIED)
        self._keep_version(rec)
        rec.reply_markup = markup
        return self._message_json(rec)

    def _edit_markup(self, p: dict) -> dict | None:
        """An edited message can carry only an inline keyboard."""
        markup = self._markup(p.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad("inline keyboard expected")
        return markup

    @staticmethod
    def _keep_version(rec: SentMessage) -> None:
        rec.versions.append({"text": rec.text, "html": rec.html, "reply_markup": copy.deepcopy(rec.reply_markup)})
        rec.edit_date = int(time.time())

    def _api_deleteMessage(self, p: dict, files: dict) -> bool:
        chat = self._chat(p)
        if chat["messages"].pop(int(p.get("message_id") or 0), None) is None:
            raise bad("message to delete not found")
        return True

    def _api_answerCallbackQuery(self, p: dict, files: dict) -> bool:
        """Each query can be answered once; unknown or answered ids are refused."""
        query = self._queries.get(str(p.get("callback_query_id") or ""))
        if query is None or query["answered"]:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        if utf16_len(p.get("text") or "") > MAX_CALLBACK_ANSWER:
            raise bad("MESSAGE_TOO_LONG")
        query["answered"] = True
        query["answer"] = {k: p[k] for k in ("text", "show_alert", "url", "cache_time") if k in p}
        return True

    def _api_sendChatAction(self, p: dict, files: dict) -> bool:
        self._chat(p)
        if p.get("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True

    def _api_setMyCommands(self, p: dict, files: dict) -> bool:
        """≤100 commands; each 1-32 of [a-z0-9_] (no slash) with a 1-256 character description."""
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command"))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description") or "").strip()) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._scope_key(p)] = [{"command": c["command"], "description": c["description"]}
                                              for c in commands]
        return True

    def _api_getMyCommands(self, p: dict, files: dict) -> list[dict]:
        return copy.deepcopy(self._commands.get(self._scope_key(p), []))

    def _api_deleteMyCommands(self, p: dict, files: dict) -> bool:
        self._commands.pop(self._scope_key(p), None)
        return True

    def _api_setWebhook(self, p: dict, files: dict) -> bool:
        url = str(p.get("url") or "")
        if url and not url.startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook = {"url": url, "allowed_updates": p.get("allowed_updates")}
        if p.get("drop_pending_updates"):
            self._drop_pending()
        return True

    def _api_deleteWebhook(self, p: dict, files: dict) -> bool:
        self._webhook = {"url": ""}
        if p.get("drop_pending_updates"):
            self._drop_pending()
        return True

    def _api_getWebhookInfo(self, p: dict, files: dict) -> dict:
        return {"url": self._webhook["url"], "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    def _api_close(self, p: dict, files: dict) -> bool:
        return True

    _api_logOut = _api_close

    # ---------------------------------------------------------------- validation

    def _chat(self, p: dict) -> dict:
        """The chat of `chat_id`: 400 if unknown, 403 if its person blocked the bot."""
        chat_id = p.get("chat_id")
        if chat_id in (None, ""):
            raise bad("chat_id is empty")
        try:
            chat = self._chats.get(int(chat_id))
        except (TypeError, ValueError):
            chat = None  # "@username" of a chat the fake does not know
        if chat is None:
            raise bad("chat not found")
        if chat["blocked"]:
            raise ApiError(403, BLOCKED)
        return chat

    def _editable(self, p: dict) -> SentMessage:
        if p.get("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")  # inline messages are not modelled
        rec = self._chat(p)["messages"].get(int(p.get("message_id") or 0))
        if rec is None:
            raise bad("message to edit not found")
        if not rec.from_bot:
            raise bad("message can't be edited")
        return rec

    def _message_text(self, p: dict) -> tuple[str, str, list]:
        """1-4096 UTF-16 code units of visible text, counted after entity parsing."""
        html, text, entities = self._formatted(p.get("text"), p.get("parse_mode"))
        if not text:
            raise bad("message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise bad("message is too long")
        return html, text, entities

    def _formatted(self, raw: Any, parse_mode: Any) -> tuple[str, str, list]:
        """(raw text, visible text, entities); Telegram strips surrounding whitespace."""
        raw = "" if raw is None else str(raw)
        mode = (parse_mode or "").lower()
        if mode == "html":
            visible, entities = self._parse_html(raw)
        elif mode in ("", "markdown", "markdownv2"):  # Markdown is not modelled: shown as sent
            visible, entities = raw, []
        else:
            raise bad("unsupported parse_mode")
        lead = utf16_len(visible) - utf16_len(visible.lstrip())
        stripped = visible.strip()
        end = utf16_len(stripped)
        kept = []
        for e in entities:
            start, stop = max(e["offset"] - lead, 0), min(e["offset"] + e["length"] - lead, end)
            if stop > start:
                kept.append({**e, "offset": start, "length": stop - start})
        return raw, stripped, kept

    def _parse_html(self, src: str) -> tuple[str, list[dict]]:
        """Telegram's HTML: only its tags; entities &lt; &gt; &amp; &quot; and numeric ones
        (the ';' is optional); every tag closed in order. Errors name the UTF-8 byte offset."""
        out: list[str] = []
        u16 = 0
        stack: list[tuple[str, dict, int]] = []
        entities: list[dict] = []
        i, n = 0, len(src)

        def fail(message: str) -> ApiError:
            return bad("can't parse entities: " + message)

        def at(pos: int) -> int:
            return len(src[:pos].encode())

        while i < n:
            c = src[i]
            if c == "&":
                char, after = self._entity(src, i)
                if char is None and self.strict_ampersand:
                    raise fail(f"Character entity expected at byte offset {at(i)}")
                char, i = (char, after) if char is not None else ("&", i + 1)
                out.append(char)
                u16 += utf16_len(char)
            elif c != "<":
                out.append(c)
                u16 += utf16_len(c)
                i += 1
            elif src.startswith("</", i):
                j = i + 2
                while j < n and not src[j].isspace() and src[j] != ">":
                    j += 1
                name = src[i + 2:j].lower()
                while j < n and src[j].isspace():
                    j += 1
                if j >= n:
                    raise fail(f"Unclosed end tag at byte offset {at(i)}")
                if not stack:
                    raise fail(f"Unexpected end tag at byte offset {at(i)}")
                tag, attrs, start = stack.pop()
                if name and name != tag:
                    raise fail(f'Unmatched end tag at byte offset {at(i)}, expected "</{tag}>", '
                               f'found "</{name}>"')
                visible = "".join(out)
                self._close_entity(tag, attrs, start, u16, visible, entities, fail)
                i = j + 1
            else:
                j = i + 1
                while j < n and not src[j].isspace() and src[j] != ">":
                    j += 1
                if j >= n:
                    raise fail(f"Unclosed start tag at byte offset {at(i)}")
                name = src[i + 1:j].lower()
                if name not in HTML_TAGS:
                    raise fail(f'Unsupported start tag "{name}" at byte offset {at(i)}')
                attrs, j = self._attributes(src, j, name, at(i), fail)
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {at(i)}')
                stack.append((name, attrs, u16))
                i = j + 1
        if stack:
            raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
        for entity in entities:
            if entity["type"] == "code":
                entity.pop("language", None)  # only <pre><code> may name a language
        return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))

    def _attributes(self, src: str, j: int, tag: str, offset: int, fail: Callable) -> tuple[dict, int]:
        """Attributes of a start tag from position j up to its '>' (returned position)."""
        attrs: dict[str, str] = {}
        n = len(src)
        while True:
            while j < n and src[j].isspace():
                j += 1
            if j >= n:
                raise fail(f"Unclosed start tag at byte offset {offset}")
            if src[j] == ">":
                return attrs, j
            k = j
            while k < n and not src[k].isspace() and src[k] not in "=>/\"'":
                k += 1
            name = src[j:k].lower()
            if not name:
                raise fail(f'Empty attribute name in the tag "{tag}" at byte offset {offset}')
            while k < n and src[k].isspace():
                k += 1
            if k >= n or src[k] != "=":
                attrs[name], j = "", k
                continue
            k += 1
            while k < n and src[k].isspace():
                k += 1
            if k >= n:
                raise fail(f"Unclosed start tag at byte offset {offset}")
            if src[k] in "\"'":
                quote, k, value = src[k], k + 1, []
                while k < n and src[k] != quote:
                    char, after = self._entity(src, k) if src[k] == "&" else (None, k)
                    value.append(char if char is not None else src[k])
                    k = after if char is not None else k + 1
                if k >= n:
                    raise fail(f"Unclosed start tag at byte offset {offset}")
                attrs[name], j = "".join(value), k + 1
            else:
                start = k
                while k < n and (src[k].isalnum() or src[k] in ".-"):
                    k += 1
                if k < n and not src[k].isspace() and src[k] != ">":
                    raise fail(f"Unexpected end of name token at byte offset {len(src[:k].encode())}")
                attrs[name], j = src[start:k].lower(), k

    def _close_entity(self, tag: str, attrs: dict, start: int, end: int, visible: str,
                      entities: list, fail: Callable) -> None:
        """Adds the entity of a closed tag. A link must be http(s):// or tg:// (the fake refuses
        others; Telegram may instead drop the link), a tg-emoji needs a numeric emoji-id."""
        kind = HTML_TAGS[tag]
        entity: dict[str, Any] = {"type": kind, "offset": start, "length": end - start}
        if tag == "a":
            inner = visible.encode("utf-16-le")[start * 2:].decode("utf-16-le")
            url = attrs.get("href") or inner
            reason = self._url_problem(url)
            if reason:
                raise fail(f'URL "{url}" is invalid: {reason}')
            entity["url"] = url
        elif tag == "tg-emoji":
            if not attrs.get("emoji-id", "").isdigit():
                raise fail("Invalid custom emoji identifier specified")
            entity["custom_emoji_id"] = attrs["emoji-id"]
        elif tag == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        elif tag == "code" and attrs.get("class", "").startswith("language-"):
            entity["language"] = attrs["class"][len("language-"):]
        last = entities[-1] if entities else None
        if end == start:
            return
        if tag == "pre" and last and last["type"] == "code" and \
                (last["offset"], last["length"]) == (start, end - start):
            entities[-1] = {**last, "type": "pre"}  # <pre><code class="language-x">…
        else:
            entities.append(entity)

    @staticmethod
    def _entity(src: str, i: int) -> tuple[str | None, int]:
        """Decode the character entity at src[i] == '&' the way Telegram does."""
        n, j = len(src), i + 1
        if j < n and src[j] == "#":
            j += 1
            base = 16 if j < n and src[j] in "xX" else 10
            j += base == 16
            k = j
            while k < n and src[k] in ("0123456789abcdefABCDEF" if base == 16 else "0123456789"):
                k += 1
            code = int(src[j:k], base) if k > j else 0
            if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                return None, i
            char = chr(code)
        else:
            k = j
            while k < n and src[k].isascii() and src[k].isalpha():
                k += 1
            char = NAMED_ENTITIES.get(src[j:k])
            if char is None:
                return None, i
        return char, k + 1 if k < n and src[k] == ";" else k

    @staticmethod
    def _url_problem(url: str) -> str | None:
        """Why Telegram would refuse a link: only http(s) and tg:// (a bare host means http)."""
        url = url.strip()
        scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
        if scheme and "." not in scheme.group(1):
            name = scheme.group(1).lower()
            if name == "tg" or name == "ton":
                return None
            if name not in ("http", "https"):
                return "unsupported URL protocol"
            url = url[len(name) + 1:]
            if not url.startswith("//"):
                return "wrong HTTP URL"
            url = url[2:]
        host = re.split(r"[/?#]", url, maxsplit=1)[0].rsplit("@", 1)[-1].split(":")[0]
        if not host or any(c.isspace() for c in url) or ("." not in host and host != "localhost"):
            return "wrong HTTP URL"
        return None

    def _markup(self, markup: Any) -> dict | None:
        """Validates an inline keyboard as Telegram does; other markups are accepted as sent."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad("can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return copy.deepcopy(markup)
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
        if any(len(row) > 8 for row in rows) or sum(len(row) for row in rows) > 100:
            raise bad("REPLY_MARKUP_TOO_LONG")
        for button in (b for row in rows for b in row):
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad("can't parse inline keyboard button: Field \"text\" must be of type String")
            if not button["text"].strip():
                raise bad("BUTTON_TEXT_INVALID")
            kinds = [k for k in BUTTON_KINDS if k in button]
            if not kinds:
                raise bad("can't parse inline keyboard button: Text buttons are unallowed in the "
                          "inline keyboard")
            if len(kinds) > 1:
                raise bad(f"can't parse inline keyboard button: exactly one of the optional fields "
                          f"must be used, found {kinds}")
            data = button.get("callback_data")
            if "callback_data" in button and not (isinstance(data, str) and 1 <= len(data.encode()) <= 64):
                raise bad("BUTTON_DATA_INVALID")
            if "url" in button and (reason := self._url_problem(str(button["url"]))):
                raise bad(f"inline keyboard button URL '{button['url']}' is invalid: {reason}")
        return copy.deepcopy(markup)

    @staticmethod
    def _inline(markup: dict | None) -> dict | None:
        return markup if markup and "inline_keyboard" in markup else None

    def _scope_key(self, p: dict) -> tuple:
        scope = p.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in SCOPES:
            raise bad("unsupported bot command scope type")
        if "chat_id" in scope:
            self._chat({"chat_id": scope["chat_id"]})
        language = p.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad("invalid language code specified")
        return scope["type"], scope.get("chat_id"), scope.get("user_id"), language

    # ---------------------------------------------------------------- storage

    def _send_media(self, p: dict, files: dict, kind: str) -> dict:
        """sendPhoto/sendDocument: an upload (bytes and filename kept), a known file_id or an
        URL; the caption is parsed like a text and limited to 1024 visible characters."""
        chat = self._chat(p)
        value = p.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            value = files.get(value[len("attach://"):])
        upload = files.get(kind) or (value if isinstance(value, dict) else None)
        if upload is not None:
            if not upload["data"]:
                raise bad("file must be non-empty")
            if kind == "photo" and not upload["data"].startswith(IMAGE_MAGIC):
                raise bad("IMAGE_PROCESS_FAILED")
            stored = {**upload, "file_id": self._new_file_id("AgACAgIAAx" if kind == "photo" else "BQACAgIAAx")}
            self._files[stored["file_id"]] = stored
        elif isinstance(value, str) and value in self._files:
            stored = self._files[value]
        elif isinstance(value, str) and re.match(r"https?://", value):
            stored = {"file_id": self._new_file_id("BQACAgIAAx"), "file_name": value.rsplit("/", 1)[-1],
                      "mime_type": "application/octet-stream", "data": b"", "url": value}
        elif value:
            raise bad("wrong file identifier/HTTP URL specified")
        else:
            raise bad(f"there is no {kind} in the request")
        html, caption, entities = self._formatted(p.get("caption"), p.get("parse_mode"))
        if utf16_len(caption) > MAX_CAPTION:
            raise bad("message caption is too long")
        rec = SentMessage(0, chat["json"]["id"], True, int(time.time()), html=html if html else None,
                          caption=caption or None, entities=entities, parse_mode=p.get("parse_mode"),
                          reply_markup=self._markup(p.get("reply_markup")), **{kind: dict(stored)})
        return self._store(chat, rec)

    def _store(self, chat: dict, rec: SentMessage) -> dict:
        rec.message_id = next(chat["ids"])
        chat["messages"][rec.message_id] = rec
        return self._message_json(rec)

    def _message_json(self, rec: SentMessage) -> dict:
        """The Message object Telegram returns for a stored message."""
        if rec.raw is not None:
            return copy.deepcopy(rec.raw)
        msg: dict[str, Any] = {"message_id": rec.message_id, "date": rec.date, "from": self.bot_user,
                               "chat": self._chats[rec.chat_id]["json"]}
        if rec.text is not None:
            msg["text"] = rec.text
        if rec.caption:
            msg["caption"] = rec.caption
        if rec.entities:
            msg["caption_entities" if rec.text is None else "entities"] = rec.entities
        if rec.document:
            d = rec.document
            msg["document"] = {"file_id": d["file_id"], "file_unique_id": d["file_id"][-10:],
                               "file_name": d["file_name"], "mime_type": d["mime_type"],
                               "file_size": len(d["data"])}
        if rec.photo:
            msg["photo"] = [{"file_id": rec.photo["file_id"], "file_unique_id": rec.photo["file_id"][-10:],
                             "width": 320, "height": 240, "file_size": len(rec.photo["data"])}]
        if self._inline(rec.reply_markup):
            msg["reply_markup"] = rec.reply_markup
        if rec.edit_date:
            msg["edit_date"] = rec.edit_date
        return copy.deepcopy(msg)

    def _user_message(self, user_id: int, chat_id: int | None, kind: str, content: dict) -> int:
        with self._cond:
            chat = self._chats.get(user_id if chat_id is None else chat_id)
            assert chat is not None, f"unknown chat {chat_id or user_id}: add_private_chat/add_group_chat first"
            assert not chat["blocked"], f"user {user_id} has blocked the bot: unblock() first"
            rec = SentMessage(next(chat["ids"]), chat["json"]["id"], False,
                              int(time.time()), text=content.get("text"), caption=content.get("caption"))
            rec.raw = {"message_id": rec.message_id, "from": self._user(user_id), "chat": chat["json"],
                       "date": rec.date, **content}
            chat["messages"][rec.message_id] = rec
            return self._queue({kind: copy.deepcopy(rec.raw)})

    def _set_blocked(self, user_id: int, blocked: bool) -> int:
        with self._cond:
            chat = self._chats[user_id]
            assert chat["json"]["type"] == "private", "only a private chat can block the bot"
            chat["blocked"] = blocked
            old, new = ("member", "kicked") if blocked else ("kicked", "member")
            member = {"chat": chat["json"], "from": self._user(user_id), "date": int(time.time()),
                      "old_chat_member": {"status": old, "user": self.bot_user},
                      "new_chat_member": {"status": new, "user": self.bot_user}}
            member["new_chat_member" if blocked else "old_chat_member"]["until_date"] = 0
            return self._queue({"my_chat_member": member})

    def _message(self, chat_id: int, message_id: int) -> SentMessage:
        chat = self._chats.get(chat_id)
        rec = chat["messages"].get(message_id) if chat else None
        if rec is None:
            raise AssertionError(f"no message {message_id} in chat {chat_id}")
        return rec

    def _user(self, user_id: int) -> dict:
        assert user_id in self._users, f"unknown user {user_id}: add_private_chat first"
        return self._users[user_id]

    def _queue(self, payload: dict) -> int:
        update_id = next(self._ids)
        self._updates.append({"update_id": update_id, **payload})
        self._changed()
        return update_id

    def _wanted(self, update: dict) -> bool:
        kind = next(k for k in update if k != "update_id")
        return kind in self._allowed if self._allowed is not None else kind not in OPT_IN_UPDATES

    def _drop_pending(self) -> None:
        self.dropped_updates.extend(u["update_id"] for u in self._updates)
        if self._updates:
            self._confirmed_below = max(self._confirmed_below, self._updates[-1]["update_id"] + 1)
        self._updates.clear()

    def _new_file_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}AbCdEf"

    def _changed(self) -> None:
        self._version += 1
        self._cond.notify_all()

    def _wait_change(self, seen: int, timeout: float) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._version != seen or self._stopping, timeout)

    @staticmethod
    def _handle_error(request: object, client_address: object) -> None:
        """A client that hung up (PTB cancelling a long poll) is normal; anything else is shown."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            traceback.print_exc()

    def _timeout_message(self, timeout: float, what: object) -> str:
        with self._cond:
            recent = [(r["method"], r["status"], r["response"].get("description") if r["response"] else None)
                      for r in self._log if r["method"] != "getUpdates"][-8:]
        return f"timed out after {timeout}s waiting for {what}; the bot's last requests: {recent}"
