"""The console adapter: the same engine and flows in a terminal, with no Telegram token.

Buttons are numbered; typing a number (or a button's exact label) taps it, anything else is
typed text, and a line starting with "/" is a command. HTML is shown as plain text. A reply
that edits a message is printed again in full, marked as edited. It reads piped input too,
and ends with status 0 at the end of input.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.scheduler import TICK, Ticker
from bot.storage import Storage
from flows.lib import markup
from flows.lib.content import Content
from flows.dialogue.core import Button, Incoming, Reply, Timer
from flows.dialogue.engine import Engine
from flows.registry import REGISTRY

CONSOLE_USER = 1  # one person at this terminal


def terminal_language() -> str:
    """The terminal's language, as Telegram gives an app's ("en_GB.UTF-8" -> "en-GB")."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").split(".")[0].split("@")[0]
        if value and value not in ("C", "POSIX"):
            return value.replace("_", "-")
    return ""


class Console:
    def __init__(self, engine: Engine, output: TextIO) -> None:
        self.engine = engine
        self.output = output
        self.buttons: list[tuple[Button, int]] = []  # on screen, numbered from 1, each with its message
        self.timers: list = []  # timed steps waiting (cancelled when the console ends)
        self.printed = 0  # numbers the messages printed, as a chat numbers its messages
        self.edited = markup.to_plain(engine.content.render("console/edited"))
        self.language = terminal_language()

    async def show(self, replies: list[Reply], source: int | None = None) -> bool:
        """Print replies; one that edits `source` (the message the input came from) is
        printed again in full, marked."""
        if replies:
            self.buttons = []
        for reply in replies:
            if reply.document is not None:
                path = Path(reply.document.filename).resolve()
                path.write_bytes(await reply.document.data())
                print(markup.to_plain(reply.text), f"\n({path})", file=self.output)
                continue
            if reply.edit is not None and source is not None:
                message, mark = source, f"{self.edited} "
            else:
                self.printed += 1
                message, mark = self.printed, ""
            print(mark + markup.to_plain(reply.text), file=self.output)
            if reply.after is not None:
                self._start_timer(reply.after, message)
            for row in reply.buttons:
                for button in row:
                    if button.url is not None:
                        print(f"   {button.label}: {button.url}", file=self.output)
                    else:
                        self.buttons.append((button, message))
                        print(f"   [{len(self.buttons)}] {button.label}", file=self.output)
            print(file=self.output)
        self.output.flush()
        return True

    def _start_timer(self, timer: Timer, message: int) -> None:
        incoming = Incoming(CONSOLE_USER, CONSOLE_USER, "timer", data=timer.data, message_id=message)
        loop = asyncio.get_running_loop()
        self.timers.append(loop.call_later(timer.seconds, lambda: self.timers.append(loop.create_task(self.say(incoming)))))

    def read(self, line: str) -> Incoming | None:
        said = line.strip()
        if not said:
            return None
        if said.startswith("/") and len(said) > 1:
            name, _, args = said[1:].partition(" ")
            return Incoming(CONSOLE_USER, CONSOLE_USER, "command", command=name.lower(), args=args.strip(), text=args.strip())
        chosen = next((b for b in self.buttons if b[0].label.casefold() == said.casefold()), None)
        if chosen is None and said.isdigit() and 1 <= int(said) <= len(self.buttons):
            chosen = self.buttons[int(said) - 1]
        if chosen is not None and chosen[0].data is not None:
            return Incoming(CONSOLE_USER, CONSOLE_USER, "button", data=chosen[0].data, message_id=chosen[1])
        return Incoming(CONSOLE_USER, CONSOLE_USER, "text", text=line.rstrip("\n"))

    async def say(self, incoming: Incoming) -> None:
        incoming = replace(incoming, language=incoming.language or self.language)
        await self.engine.handle(incoming, lambda replies: self.show(replies, incoming.message_id))


async def run_console(
    storage: Storage, content: Content, stdin: TextIO, stdout: TextIO, clock: Callable[[], datetime] | None = None
) -> int:
    engine = Engine(storage, content, REGISTRY, clock=clock) if clock else Engine(storage, content, REGISTRY)
    console = Console(engine, stdout)
    print(markup.to_plain(content.render("console/hint")), end="\n\n", file=stdout)
    # Pick up where they were; a new or finished conversation starts with /start.
    prompt = await console.engine.current_prompt(CONSOLE_USER, CONSOLE_USER)
    if prompt:
        await console.show(prompt)
    else:
        await console.say(Incoming(CONSOLE_USER, CONSOLE_USER, "command", command="start"))
    # The same tick as in Telegram: what fell due while it was closed (within the grace
    # window) is printed at once, and what falls due while it runs, when it does.
    ticker = Ticker(storage, console.engine, lambda chat_id, replies: console.show(replies))
    if await ticker.lead():  # from the last beat; what a stopped console claimed and never tried is due again
        await ticker.drain()
    ticking = asyncio.create_task(_tick_forever(ticker))
    try:
        interactive = stdin.isatty()
        while True:
            if interactive:
                print("> ", end="", file=stdout, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                return 0
            incoming = console.read(line)
            if incoming is not None:
                await console.say(incoming)
    finally:
        for waiting in [ticking, *console.timers]:
            waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking


async def _tick_forever(ticker: Ticker) -> None:
    while True:
        await asyncio.sleep(TICK)
        if await ticker.lead():
            await ticker.drain()  # one person: a drain is short, and waiting for it keeps ticks apart
