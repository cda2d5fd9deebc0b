"""Encryption at rest: every record's content is one Fernet token (AES-128-CBC + HMAC-SHA256).

The key contract (PRODUCT.md): DATA_ENCRYPTION_KEY is a Fernet key (32 random bytes,
URL-safe base64). Console mode may create a key file beside a new database; Telegram mode
never invents a key, because a key that silently changes makes every record unreadable.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from bot.config import Config, ConfigError

MAKE_KEY_COMMAND = (
    'python3 -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
)


class WrongKeyError(Exception):
    """The key does not open this database's records."""


def to_json(value: Any) -> bytes:
    """The plaintext of a payload: compact JSON (the same value always gives the same bytes)."""
    return json.dumps(value, separators=(",", ":")).encode()


class Cipher:
    """Encrypts JSON-serialisable values into opaque bytes and back; `seal` and `unseal` do
    the same for a payload already in JSON (storage compares those to skip unchanged ones)."""

    def __init__(self, key: str | bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, value: Any) -> bytes:
        return self.seal(to_json(value))

    def decrypt(self, token: bytes) -> Any:
        return json.loads(self.unseal(token))

    def seal(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def unseal(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise WrongKeyError("a record could not be decrypted with this key") from None


@dataclass(frozen=True)
class KeySource:
    key: str
    created_file: Path | None = None  # set when console mode made a new key file just now


def key_file_for(database_path: Path) -> Path:
    return database_path.with_name(database_path.stem + ".key")


def _valid(key: str, where: str) -> str:
    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise ConfigError(
            f"{where} is not a valid key: it must be 32 random bytes in URL-safe base64. "
            f"Make one with: {MAKE_KEY_COMMAND}"
        ) from None
    return key


def resolve_key(config: Config, *, console: bool) -> KeySource:
    """Find the data key, or (console mode, new database only) create a key file."""
    if config.encryption_key:
        return KeySource(_valid(config.encryption_key, "DATA_ENCRYPTION_KEY"))
    if not console:
        raise ConfigError(
            "DATA_ENCRYPTION_KEY is not set. Everything people write is encrypted with it. "
            f"Make one with: {MAKE_KEY_COMMAND} and keep it safe beside your database backups."
        )
    key_path = key_file_for(config.database_path)
    if key_path.exists():
        return KeySource(_valid(key_path.read_text().strip(), f"The key file {key_path}"))
    if config.database_path.exists():
        raise ConfigError(
            f"The database {config.database_path} exists but its key file {key_path} is missing. "
            "Restore the key file or set DATA_ENCRYPTION_KEY to the key it was created with."
        )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    # O_EXCL: never overwrite a key; 0o600: readable by its owner only.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return KeySource(key, created_file=key_path)
