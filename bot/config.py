"""Settings for running the bot, read from the environment (and a `.env` file if present).

Everything an operator can configure is here, so the README's configuration table and
this module can be read side by side.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATABASE = Path("data") / "cbt-companion.db"
POSTGRES_SCHEMES = ("postgresql", "postgres")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message says how to fix it."""


@dataclass(frozen=True)
class Config:
    token: str | None
    api_url: str | None
    file_url: str | None
    database_path: Path
    encryption_key: str | None
    log_level: str
    webhook_url: str | None
    webhook_secret: str | None
    port: int
    postgres_url: str | None = None  # DATABASE_URL=postgresql://...: PostgreSQL instead of the SQLite file
    tick_seconds: float = 20.0  # TICK_SECONDS: how often the scheduler looks for what fell due

    @property
    def webhook_path(self) -> str:
        """The path PTB's webhook server must serve: the path part of WEBHOOK_URL."""
        return urlsplit(self.webhook_url or "").path.lstrip("/")


def database_path_from_url(url: str | None) -> Path:
    """Turn DATABASE_URL (SQLAlchemy's sqlite form, or a plain path) into a file path.

    `sqlite:///relative.db` is relative to the working directory and
    `sqlite:////absolute/path.db` is absolute, exactly as in SQLAlchemy.
    """
    if not url:
        return DEFAULT_DATABASE
    if "://" not in url:
        return Path(url)
    scheme, _, rest = url.partition("://")
    if scheme in POSTGRES_SCHEMES:
        return DEFAULT_DATABASE  # not used: the data lives in PostgreSQL
    if scheme != "sqlite":
        raise ConfigError(
            f"DATABASE_URL uses '{scheme}', but only SQLite and PostgreSQL are supported. Use "
            "sqlite:///data/cbt-companion.db (relative), sqlite:////srv/cbt.db (absolute) or postgresql://user:password@host/db."
        )
    if not rest.startswith("/") or rest == "/":
        raise ConfigError(
            "DATABASE_URL for SQLite needs three slashes and a file name, "
            "like sqlite:///data/cbt-companion.db"
        )
    return Path(rest[1:])


def postgres_url_from(url: str | None) -> str | None:
    """DATABASE_URL when it names PostgreSQL (postgresql:// or Heroku's postgres://)."""
    if url and url.partition("://")[0] in POSTGRES_SCHEMES:
        return url
    return None


def load_config(environ: dict[str, str] | None = None, *, read_dotenv: bool = True) -> Config:
    """Read the configuration; `environ` replaces os.environ (tests pass their own)."""
    if environ is None:
        if read_dotenv:
            from dotenv import load_dotenv

            load_dotenv(override=False)
        environ = dict(os.environ)

    def get(name: str) -> str | None:
        value = environ.get(name, "").strip()
        return value or None

    webhook_url = get("WEBHOOK_URL")
    webhook_secret = get("WEBHOOK_SECRET")
    if webhook_url:
        if not webhook_url.startswith("https://"):
            raise ConfigError("WEBHOOK_URL must be an https:// address that Telegram can reach.")
        if not webhook_secret:
            raise ConfigError(
                "WEBHOOK_SECRET is required in webhook mode: 1-256 characters of A-Z, a-z, 0-9, _ and -. "
                'Make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
            )
        if not _SECRET_TOKEN.match(webhook_secret):
            raise ConfigError("WEBHOOK_SECRET may only use A-Z, a-z, 0-9, _ and - (1-256 characters).")
    port_text = get("PORT") or "8443"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"PORT must be a port number, like 8443 (got '{port_text}').")
    tick_text = get("TICK_SECONDS") or "20"
    try:
        tick_seconds = float(tick_text)
    except ValueError:
        tick_seconds = 0.0
    if not 0 < tick_seconds < float("inf"):
        raise ConfigError(f"TICK_SECONDS must be a positive number of seconds, like 20 (got '{tick_text}').")
    api_url = get("TELEGRAM_API_URL")
    return Config(
        token=get("TELEGRAM_BOT_TOKEN"),
        api_url=api_url,
        file_url=get("TELEGRAM_FILE_URL"),
        database_path=database_path_from_url(get("DATABASE_URL")),
        postgres_url=postgres_url_from(get("DATABASE_URL")),
        encryption_key=get("DATA_ENCRYPTION_KEY"),
        log_level=(get("LOG_LEVEL") or "INFO").upper(),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        port=int(port_text),
        tick_seconds=tick_seconds,
    )
