"""Entry point: `python -m bot` (Telegram) or `python -m bot console` (a terminal chat)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from datetime import date

from bot.config import ConfigError, load_config
from bot.crypto import Cipher, WrongKeyError, resolve_key
from bot.logging_setup import setup_logging
from flows.practices import crisis
from flows.lib.content import Content, ContentError
import flows.registry  # noqa: F401  (before Content(): a practice's module defines its data files)

USAGE = "usage: python -m bot [console | check-content | screen | traps | migrate-db --from URL --to URL]"
log = logging.getLogger("bot")


async def _console(config, content: Content, cipher: Cipher) -> int:
    from bot.console import run_console
    from bot.storage import Storage

    storage = await Storage.open(config.database_path, cipher, config.postgres_url)
    try:
        return await run_console(storage, content, sys.stdin, sys.stdout)
    finally:
        await storage.close()


def check_content() -> int:
    """Validate content/ and list crisis lines not checked for over a year (exit 1 if any)."""
    try:
        content = Content()
        crisis.check_all(content)
    except ContentError as error:
        print(f"content/ has a problem: {error}", file=sys.stderr)
        return 2
    stale = crisis.stale_entries(content, date.today())
    for entry in stale:
        print(f"stale: {entry}")
    countries = len(content.crisis_lines)
    if stale:
        print(f"{len(stale)} crisis-line entries need re-checking against their source (docs/crisis-lines.md).")
        return 1
    print(f"content/ is valid; crisis lines for {countries} countries, all checked within the last year.")
    return 0


def warn_if_stale(content: Content) -> None:
    stale = crisis.stale_entries(content, date.today())
    if stale:
        log.warning(
            "%d crisis-line entries were last checked over a year ago; run `python -m bot check-content`",
            len(stale),
        )


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else "telegram"
    if mode == "migrate-db":
        from bot.migrate_db import run as migrate_db

        return migrate_db(argv[1:])
    if mode not in ("telegram", "console", "check-content", "screen", "traps") or len(argv) > 1:
        print(USAGE, file=sys.stderr)
        return 2
    if mode == "check-content":
        return check_content()
    if mode in ("screen", "traps"):  # lines in, one JSON object per line out: no token, no database
        from bot.screen_cli import run as screen
        from bot.traps_cli import run as traps

        try:
            return (screen if mode == "screen" else traps)(sys.stdin, sys.stdout)
        except ContentError as error:
            print(f"cbt-companion: {error}", file=sys.stderr)
            return 2
    console = mode == "console"
    try:
        config = load_config()
        # In the terminal, keep the chat readable: only warnings unless LOG_LEVEL asks for more.
        setup_logging(config.log_level if not console or os.environ.get("LOG_LEVEL") else "WARNING")
        content = Content()
        crisis.check_all(content)
        warn_if_stale(content)
        key = resolve_key(config, console=console)
        if key.created_file:
            print(
                f"Created a new encryption key in {key.created_file} (readable by you only). "
                "Keep it with the database: without it, the data cannot be read.\n",
                file=sys.stderr,
            )
        cipher = Cipher(key.key)
        if console:
            return asyncio.run(_console(config, content, cipher))
        if not config.token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather in Telegram, "
                "or try the bot in your terminal with: python -m bot console"
            )
        from bot.telegram_adapter import run

        run(config, content, cipher)
        return 0
    except (ConfigError, ContentError, WrongKeyError) as error:
        print(f"cbt-companion: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
