"""`python -m bot migrate-db`: a database with every kind of record, copied SQLite to
PostgreSQL and back, comes back byte for byte; the copy opens with the same key; an empty
target only."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.crypto import Cipher
from bot.migrate_db import NotEmpty, copy
from bot.storage import TABLES, Storage
from flows.dialogue.core import Due, Entry, FlowState, Safety, Settings, UserState
from flows.registry import REGISTRY
from tests.pg import drop_database, fresh_database, postgres_url

AT = "2026-11-24T20:00:00+00:00"


async def fill(store: Storage) -> None:
    """Two people: one with an entry of every kind the practices keep, a practice under way
    and one waiting, a safety plan, a risk event and reminders in every state; one with nothing."""
    state = UserState(
        7_000_000_001, 7_000_000_001, Settings(consent=True, country="GB", timezone="Europe/London", reminder="20:00"),
        FlowState("thought", "evidence", 12, {"situation": "the meeting"}, started=10, risk=[]),
        last_update_id=99, questions_asked=12, safety=Safety(plan={"reasons": "my sister"}),
        entries_made=len(REGISTRY.records), suspended=[FlowState("mood", "note", 9, {"score": 4})],
    )
    for number, kind in enumerate(REGISTRY.records, start=1):
        state.changes.saves.append(Entry(number, kind, AT, {"kind": kind, "words": f"words for {kind}"}))
    state.changes.schedule += [Due("mood_prompt:2026-11-25", "mood_prompt", "2026-11-25T20:00:00+00:00"),
                               Due("plan_reminder:4", "plan_reminder", AT, ref=4)]
    state.changes.risk_events.append({"at": AT, "kinds": ["suicidal"]})
    await store.save(state)
    await store.save(UserState(42, 42))
    await store.claim_due(datetime(2026, 11, 24, 21, tzinfo=timezone.utc), 1)  # one reminder claimed


async def dump(url: str | None, path: Path, key: str) -> dict[str, list[tuple]]:
    store = await Storage.open(path, Cipher(key), url)
    try:
        return {
            table: sorted(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                          for row in await store.db.fetchall(f"SELECT {', '.join(columns)} FROM {table}"))
            for table, columns in TABLES.items()
        }
    finally:
        await store.close()


async def test_the_table_list_names_every_table_and_column(tmp_path: Path, key: str):
    store = await Storage.open(tmp_path / "x.db", Cipher(key))  # migrated to the newest schema
    await store.close()
    db = sqlite3.connect(tmp_path / "x.db")
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(TABLES)
    for table, columns in TABLES.items():
        assert {row[1] for row in db.execute(f"PRAGMA table_info({table})")} == set(columns), table
    db.close()


async def test_sqlite_to_sqlite_copies_every_row_as_it_is(tmp_path: Path, key: str):
    store = await Storage.open(tmp_path / "a.db", Cipher(key))
    await fill(store)
    await store.close()
    copied = await copy(f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db")
    assert copied["entries"] == len(REGISTRY.records) and copied["users"] == 2
    assert await dump(None, tmp_path / "b.db", key) == await dump(None, tmp_path / "a.db", key)
    with pytest.raises(NotEmpty):
        await copy(f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db")


async def test_sqlite_to_postgresql_and_back_round_trips_every_kind_of_record(tmp_path: Path, key: str):
    pg = await fresh_database(postgres_url())
    try:
        original = await Storage.open(tmp_path / "a.db", Cipher(key))
        await fill(original)
        history = await original.history(7_000_000_001)
        await original.close()

        await copy(f"sqlite:///{tmp_path}/a.db", pg)
        await copy(pg, f"sqlite:///{tmp_path}/back.db")
        first = await dump(None, tmp_path / "a.db", key)
        assert await dump(pg, tmp_path, key) == first
        assert await dump(None, tmp_path / "back.db", key) == first

        on_postgres = await Storage.open(tmp_path, Cipher(key), pg)  # the same key opens the copy
        try:
            assert await on_postgres.history(7_000_000_001) == history
            state = await on_postgres.load(7_000_000_001, 0)
            assert state.flow.data == {"situation": "the meeting"} and state.safety.plan == {"reasons": "my sister"}
            state.changes.risk_events.append({"at": AT, "kinds": ["self_harm"]})  # ids go on after the copied ones
            await on_postgres.save(state)
            assert len(await on_postgres.risk_events(7_000_000_001)) == 2
        finally:
            await on_postgres.close()
        with pytest.raises(NotEmpty):
            await copy(f"sqlite:///{tmp_path}/a.db", pg)
    finally:
        await drop_database(pg)


def test_the_command_refuses_a_missing_source_and_a_non_empty_target_with_a_clear_message(tmp_path: Path, key: str):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", "migrate-db", *args], capture_output=True, text=True, timeout=60)

    missing = run("--from", f"sqlite:///{tmp_path}/none.db", "--to", f"sqlite:///{tmp_path}/b.db")
    assert missing.returncode == 2 and "there is no database" in missing.stderr
    assert not (tmp_path / "none.db").exists()
    first = run("--from", f"sqlite:///{tmp_path}/b.db", "--to", f"sqlite:///{tmp_path}/c.db")
    assert first.returncode == 2  # b.db was never made
    async def make() -> None:
        store = await Storage.open(tmp_path / "a.db", Cipher(key))
        await fill(store)
        await store.close()

    asyncio.run(make())
    done = run("--from", f"sqlite:///{tmp_path}/a.db", "--to", f"sqlite:///{tmp_path}/c.db")
    assert done.returncode == 0 and "Copied: meta 1, users 2" in done.stdout
    again = run("--from", f"sqlite:///{tmp_path}/a.db", "--to", f"sqlite:///{tmp_path}/c.db")
    assert again.returncode == 2 and "not empty" in again.stderr
