"""Storage: encrypted at rest, migrations, and the key contract. The tests that open the
store run on SQLite and on PostgreSQL (tests/pg.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import ConfigError, load_config
from bot.crypto import Cipher, WrongKeyError, key_file_for, resolve_key
from bot.storage import MIGRATIONS, TABLES, Storage
from flows.dialogue.core import FlowState, Settings, UserState
from tests.pg import both_databases  # noqa: F401 (the tests that open the store run on both databases)


def database_bytes(path: Path) -> bytes:
    """The database as it lies on disk, write-ahead log included."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


async def stored_bytes(storage: Storage) -> bytes:
    """Every value of every row, as the database holds it."""
    values = [value for table, columns in TABLES.items()
              for row in await storage.db.fetchall(f"SELECT {', '.join(columns)} FROM {table}") for value in row]
    return b"".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in values)


async def test_state_round_trips_and_is_encrypted_on_disk(storage: Storage, db_path: Path, database_url):
    state = UserState(
        7, 7, Settings(consent=True, country="PT", timezone="Europe/Lisbon", reminder="21:45"),
        FlowState("settings", "country", 3, {"note": "Sunflower seeds by the harbour"}),
    )
    await storage.save(state)
    loaded = await storage.load(7, 7)
    assert loaded == state
    held = await stored_bytes(storage)
    assert b"settings" in held or len(held) > 200  # the rows are there, as ciphertext
    on_disk = database_bytes(db_path) if database_url is None else held
    for secret in (b"Sunflower", b"Europe/Lisbon", b"21:45", b'"PT"'):
        assert secret not in held and secret not in on_disk


async def test_a_new_person_has_empty_settings(storage: Storage):
    state = await storage.load(99, 99)
    assert state.settings == Settings() and state.flow is None and state.last_update_id is None


async def test_the_schema_is_migrated_once_and_reopening_is_safe(db_path: Path, key: str):
    for _ in range(2):
        store = await Storage.open(db_path, Cipher(key))
        assert await store.db.schema_version() == len(MIGRATIONS)
        assert (await store.db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert (await store.db.fetchone("PRAGMA secure_delete"))[0] == 1
        await store.close()


async def test_a_wrong_key_is_a_clear_error(storage: Storage, db_path: Path, database_url):
    await storage.close()  # a database made with the test's key
    with pytest.raises(WrongKeyError, match="different key"):
        await Storage.open(db_path, Cipher(Fernet.generate_key()), database_url)


async def test_the_schema_on_postgresql_is_migrated_once_with_64_bit_ids(storage: Storage, key: str, db_path: Path, database_url):
    if database_url is None:
        pytest.skip("PostgreSQL only (SQLite: the test above)")
    assert await storage.db.schema_version() == len(MIGRATIONS)
    again = await Storage.open(db_path, Cipher(key), database_url)
    try:
        assert await again.db.schema_version() == len(MIGRATIONS)
        big = 7_000_000_000  # Telegram ids pass 2^31
        await again.save(UserState(big, -1_000_000_000_123))
        assert (await again.load(big, 0)).chat_id == -1_000_000_000_123
    finally:
        await again.close()


def config_for(tmp_path: Path, **env: str):
    return load_config({"DATABASE_URL": f"sqlite:///{tmp_path}/db/bot.db", **env}, read_dotenv=False)


def test_console_creates_a_private_key_file_beside_a_new_database(tmp_path: Path):
    config = config_for(tmp_path)
    first = resolve_key(config, console=True)
    assert first.created_file == key_file_for(config.database_path)
    assert stat.S_IMODE(os.stat(first.created_file).st_mode) == 0o600
    config.database_path.touch()
    again = resolve_key(config, console=True)
    assert again.key == first.key and again.created_file is None


def test_console_refuses_an_existing_database_without_its_key(tmp_path: Path):
    config = config_for(tmp_path)
    config.database_path.parent.mkdir(parents=True)
    config.database_path.touch()
    with pytest.raises(ConfigError, match="key file"):
        resolve_key(config, console=True)


def test_telegram_mode_refuses_to_start_without_a_key_and_says_how_to_make_one(tmp_path: Path):
    with pytest.raises(ConfigError, match="urlsafe_b64encode"):
        resolve_key(config_for(tmp_path), console=False)
    with pytest.raises(ConfigError, match="not a valid key"):
        resolve_key(config_for(tmp_path, DATA_ENCRYPTION_KEY="too-short"), console=False)


@pytest.mark.parametrize(
    "url, path",
    [
        (None, "data/cbt-companion.db"),
        ("sqlite:///relative.db", "relative.db"),
        ("sqlite:///data/x.db", "data/x.db"),
        ("sqlite:////srv/cbt/x.db", "/srv/cbt/x.db"),
    ],
)
def test_database_url_follows_sqlalchemy(url, path):
    env = {"DATABASE_URL": url} if url else {}
    assert str(load_config(env, read_dotenv=False).database_path) == path


def test_unsupported_database_and_webhook_settings_are_explained():
    with pytest.raises(ConfigError, match="only SQLite and PostgreSQL"):
        load_config({"DATABASE_URL": "mysql://x/y"}, read_dotenv=False)
    assert load_config({"DATABASE_URL": "postgresql://u@h/db"}, read_dotenv=False).postgres_url == "postgresql://u@h/db"
    assert load_config({"DATABASE_URL": "sqlite:///x.db"}, read_dotenv=False).postgres_url is None
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET is required"):
        load_config({"WEBHOOK_URL": "https://bot.example/hook"}, read_dotenv=False)
    with pytest.raises(ConfigError, match="only use"):
        load_config({"WEBHOOK_URL": "https://bot.example/hook", "WEBHOOK_SECRET": "bad secret!"}, read_dotenv=False)
    config = load_config({"WEBHOOK_URL": "https://bot.example/tg/hook", "WEBHOOK_SECRET": "s3cret"}, read_dotenv=False)
    assert config.webhook_path == "tg/hook"


def test_tick_seconds_is_a_positive_number_twenty_by_default():
    assert load_config({}, read_dotenv=False).tick_seconds == 20
    assert load_config({"TICK_SECONDS": "0.5"}, read_dotenv=False).tick_seconds == 0.5
    for wrong in ("0", "-1", "soon", "nan", "inf"):
        with pytest.raises(ConfigError, match="TICK_SECONDS must be a positive number"):
            load_config({"TICK_SECONDS": wrong}, read_dotenv=False)
