"""Telegram's HTML subset: check it as Telegram would, and turn it into plain text.

The console shows replies as plain text, the start-up check measures crisis cards the way
Telegram counts them (visible characters, after tags and entities are parsed), and the
Telegram adapter falls back to plain text if a message is ever refused.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

TELEGRAM_TEXT_LIMIT = 4096
SCREEN_CHARS = 400  # VOICE.md: a message fits one phone screen (visible characters)
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_URL_SCHEMES = ("http://", "https://", "tg://")


class MarkupError(ValueError):
    """Text that Telegram would refuse to parse."""


class _Reader(HTMLParser):
    def __init__(self, keep_urls: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.keep_urls = keep_urls
        self.parts: list[str] = []
        self.open: list[str] = []
        self.links: list[tuple[str, int]] = []  # (href, index of the link text's first part)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise MarkupError(f"unsupported tag <{tag}>")
        href = dict(attrs).get("href")
        if tag == "a":
            if not href or not href.startswith(_URL_SCHEMES):
                raise MarkupError(f"link {href!r} is not http(s) or tg://")
            self.links.append((href, len(self.parts)))
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            raise MarkupError(f"</{tag}> does not close the last open tag")
        self.open.pop()
        if tag == "a":
            href, start = self.links.pop()
            if self.keep_urls and "".join(self.parts[start:]).strip() != href:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _read(text: str, keep_urls: bool) -> str:
    reader = _Reader(keep_urls)
    reader.feed(text)
    reader.close()
    if reader.open:
        raise MarkupError(f"<{reader.open[-1]}> is never closed")
    return "".join(reader.parts)


def visible_text(text: str) -> str:
    """The text as Telegram shows it; raises MarkupError where Telegram would refuse it."""
    return _read(text, keep_urls=False)


def visible_length(text: str) -> int:
    """Telegram's length: UTF-16 code units of the visible text."""
    return len(visible_text(text).encode("utf-16-le")) // 2


def check(text: str) -> None:
    """Raise MarkupError unless Telegram would accept this as a message."""
    length = visible_length(text)
    if not visible_text(text).strip():
        raise MarkupError("message is empty")
    if length > TELEGRAM_TEXT_LIMIT:
        raise MarkupError(f"message is {length} characters; Telegram allows {TELEGRAM_TEXT_LIMIT}")


def to_plain(text: str) -> str:
    """Plain text for a terminal or a fallback message: tags dropped, links spelled out."""
    try:
        return _read(text, keep_urls=True)
    except MarkupError:
        return html.unescape(text)


def shorten(text: str | None, limit: int) -> str | None:
    """Someone's words cut to at most `limit` characters, ending "…" when cut (before they
    are escaped into a template)."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def quotable(data: dict[str, Any], field: str, limit: int) -> str | None:
    """Someone's words kept in `data` as they may be quoted back: None where screening
    flagged the field (it is listed in data["hidden"]) or nothing is written; cut to `limit`."""
    if field in data.get("hidden", ()):
        return None
    value = data.get(field)
    return shorten(value, limit) if isinstance(value, str) else None


def pack(render: Callable[[list[Any], bool], str], items: list[Any], limit: int = SCREEN_CHARS) -> list[str]:
    """`items` in order, in as few messages as fit `limit` visible characters each:
    `render(some_items, first)` words one message (`first`: the first of them). An item too
    long for a message of its own still gets one: nothing is left out."""
    messages: list[str] = []
    current: list[Any] = []
    for item in items:
        if current and visible_length(render([*current, item], not messages)) > limit:
            messages.append(render(current, not messages))
            current = []
        current.append(item)
    if current or not messages:
        messages.append(render(current, not messages))
    return messages


def fit(render: Callable[[int], str], least: int, most: int, limit: int = SCREEN_CHARS) -> str:
    """`render(cap)` words a message with each of someone's answers cut to `cap` characters:
    the message with the longest cap from `least` to `most` that fits `limit` visible
    characters (or, if none does, with `least`)."""
    text = render(most)
    if visible_length(text) <= limit:
        return text
    low, high = least, most - 1
    while low < high:  # the longest cap that fits, if any
        middle = (low + high + 1) // 2
        if visible_length(render(middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    return render(low)
