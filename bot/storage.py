"""All SQL lives here. SQLite through aiosqlite, WAL mode, numbered migrations at start-up.

Private from the first byte: what a person tells us (settings, a flow's answers, later
their records) is one encrypted payload per row; only ids, kinds and times are columns SQL
can read. `secure_delete` overwrites deleted rows.

Lean per update (issue 20): reading a person is one trip to the database's thread (which
also records the update's id as seen), and saving is at most one more: only the columns
that changed, only a changed payload encrypted, in one transaction. A trip costs more than
the SQL it carries (bench/README.md).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite

from bot.crypto import Cipher, WrongKeyError, to_json
from flows.dialogue.core import Changes, Due, Entry, FlowState, Safety, Settings, UserState

log = logging.getLogger(__name__)

KEY_CHECK = "cbt-companion key check"

# Append only: each entry moves the schema one version up (PRAGMA user_version).
MIGRATIONS: list[str] = [
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    CREATE TABLE users (
        user_id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        last_update_id INTEGER,
        questions_asked INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        settings BLOB NOT NULL              -- encrypted JSON
    );
    CREATE TABLE flow_state (
        user_id INTEGER PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
        flow TEXT NOT NULL,
        step TEXT NOT NULL,
        seq INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        answers BLOB NOT NULL               -- encrypted JSON
    );
    """,
    """
    ALTER TABLE users ADD COLUMN safety BLOB;   -- encrypted JSON: safety plan, last risk response
    CREATE TABLE risk_events (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        content BLOB NOT NULL               -- encrypted JSON: the kinds of risk, never the text
    );
    CREATE INDEX risk_events_by_user ON risk_events (user_id, at);
    """,
    """
    ALTER TABLE users ADD COLUMN entries_made INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN suspended BLOB;     -- encrypted JSON: practices a reminder interrupted
    CREATE TABLE entries (
        user_id INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        id INTEGER NOT NULL,                -- numbered per person
        kind TEXT NOT NULL,                 -- mood, thought, checkin, activity
        at TEXT NOT NULL,
        content BLOB NOT NULL,              -- encrypted JSON: their words and scores
        PRIMARY KEY (user_id, id)
    );
    CREATE INDEX entries_by_kind ON entries (user_id, kind, at);
    CREATE TABLE scheduled (
        user_id INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        key TEXT NOT NULL,                  -- one send: "mood_prompt:2026-11-24", "plan:12:..."
        kind TEXT NOT NULL,
        ref INTEGER,                        -- an entry id, never text
        due_at TEXT NOT NULL,               -- UTC
        status TEXT NOT NULL DEFAULT 'due', -- due, sent (claimed before sending), skipped
        PRIMARY KEY (user_id, key)
    );
    CREATE INDEX scheduled_due ON scheduled (status, due_at);
    """,
    """
    ALTER TABLE flow_state ADD COLUMN meta BLOB;  -- encrypted JSON: when the practice began, the risk flagged in it
    """,
]


SEALED = frozenset({"settings", "safety", "suspended", "answers", "meta"})  # columns holding an encrypted payload
BOOKKEEPING = frozenset({"last_update_id"})  # columns whose change alone leaves updated_at


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class _Stored:
    """A person's record as the database holds it, payloads as plaintext JSON (never
    written anywhere): what a save compares with, to write only the columns that changed."""

    user: dict[str, Any]  # users' columns
    flow: dict[str, Any] | None  # flow_state's columns, None: no practice in progress

    @classmethod
    def of(cls, state: UserState) -> _Stored:
        """The record as `state` says it should now stand."""
        user = {
            "chat_id": state.chat_id,
            "active": int(state.active),
            "last_update_id": state.last_update_id,
            "questions_asked": state.questions_asked,
            "settings": to_json(vars(state.settings)),
            "safety": None if state.safety == Safety() else to_json(vars(state.safety)),
            "entries_made": state.entries_made,
            "suspended": to_json([vars(f) for f in state.suspended]) if state.suspended else None,
        }
        flow = state.flow
        if flow is None:
            return cls(user, None)
        meta = to_json({"started": flow.started, "risk": flow.risk})
        return cls(user, {"flow": flow.name, "step": flow.step, "seq": flow.seq, "answers": to_json(flow.data), "meta": meta})


@dataclass(frozen=True)
class _Write:
    """One statement of a save. `if_missing` is made and run instead when an UPDATE finds
    no row (one gone since it was read is then written whole)."""

    sql: str
    parameters: tuple[Any, ...]
    if_missing: Callable[[], _Write] | None = None


def _read(connection: sqlite3.Connection, user_id: int, update_id: int | None) -> tuple[tuple | None, int | None]:
    """In the database's thread: their row, and the last update id now recorded as seen
    (`update_id` if it is newer than the row's, which is then written and committed)."""
    row = connection.execute(
        "SELECT u.chat_id, u.active, u.last_update_id, u.questions_asked, u.settings, u.safety,"
        " u.entries_made, u.suspended, f.flow, f.step, f.seq, f.answers, f.meta"
        " FROM users u LEFT JOIN flow_state f USING (user_id) WHERE u.user_id = ?",
        (user_id,),
    ).fetchone()
    if row is None:
        return None, None
    seen = row[2]
    if update_id is not None and (seen is None or update_id > seen):
        _apply(connection, [_Write("UPDATE users SET last_update_id = ? WHERE user_id = ?", (update_id, user_id))])
        seen = update_id
    return row, seen


def _apply(connection: sqlite3.Connection, writes: list[_Write]) -> None:
    """In the database's thread: every write, then the commit; none of them if one fails."""
    try:
        for write in writes:
            if connection.execute(write.sql, write.parameters).rowcount == 0 and write.if_missing is not None:
                missing = write.if_missing()
                connection.execute(missing.sql, missing.parameters)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise


def _flow_state(row: dict[str, Any] | None) -> FlowState | None:
    if row is None:
        return None
    meta = json.loads(row["meta"]) if row["meta"] else {}
    return FlowState(row["flow"], row["step"], row["seq"], json.loads(row["answers"]), **meta)


class Storage:
    """The engine's store: one connection, opened once per process."""

    def __init__(self, db: aiosqlite.Connection, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    @classmethod
    async def open(cls, path: Path, cipher: Cipher) -> Storage:
        """Open (creating if new) the database, migrate it, and prove the key opens it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path)
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA secure_delete=ON")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA synchronous=NORMAL")
            store = cls(db, cipher)
            await store._migrate()
            await store._check_key()
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        await self._db.close()

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self._db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
            log.info("database migrated to version %d", number)

    async def _check_key(self) -> None:
        async with self._db.execute("SELECT value FROM meta WHERE key = 'key_check'") as cursor:
            row = await cursor.fetchone()
        if row is None:
            await self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('key_check', ?)", (self._cipher.encrypt(KEY_CHECK),)
            )
            await self._db.commit()
            return
        try:
            ok = self._cipher.decrypt(row[0]) == KEY_CHECK
        except WrongKeyError:
            ok = False
        if not ok:
            raise WrongKeyError(
                "DATA_ENCRYPTION_KEY does not open this database: it was created with a different key. "
                "Use the key it was created with (keep the key and the database backed up together)."
            )

    # ------------------------------------------------------------- per-person state

    async def load(self, user_id: int, chat_id: int, update_id: int | None = None) -> UserState:
        """Their state, in one trip to the database's thread. With `update_id` (an update
        from them), the same trip records it as seen if it is newer than the last one seen,
        so that the save after it need not write it (a /help then writes nothing more); the
        state still shows the last one seen before it, which the engine's repeated-update
        check reads."""
        row, seen = await self._db._execute(_read, self._db._conn, user_id, update_id)
        if row is None:
            return UserState(user_id, chat_id)
        (stored_chat, active, last_update_id, questions_asked, settings, safety, entries_made, suspended,
         flow, step, seq, answers, meta) = row
        unseal = self._unseal
        stored = _Stored(
            {
                "chat_id": stored_chat, "active": active, "last_update_id": seen,
                "questions_asked": questions_asked, "settings": unseal(settings), "safety": unseal(safety),
                "entries_made": entries_made, "suspended": unseal(suspended),
            },
            {"flow": flow, "step": step, "seq": seq, "answers": unseal(answers), "meta": unseal(meta)} if flow else None,
        )
        return UserState(
            user_id,
            stored_chat,
            Settings.from_dict(json.loads(stored.user["settings"])),
            _flow_state(stored.flow),
            bool(active),
            last_update_id,
            questions_asked,
            Safety.from_dict(json.loads(stored.user["safety"])) if safety else Safety(),
            entries_made=entries_made,
            suspended=[FlowState(**f) for f in json.loads(stored.user["suspended"])] if suspended else [],
            stored=stored,
        )

    def _unseal(self, token: bytes | None) -> bytes | None:
        return None if token is None else self._cipher.unseal(token)

    async def history(self, user_id: int) -> list[Entry]:
        """Every entry of theirs, newest first."""
        async with self._db.execute(
            "SELECT id, kind, at, content FROM entries WHERE user_id = ? ORDER BY at DESC, id DESC", (user_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return [Entry(entry_id, kind, at, self._cipher.decrypt(content)) for entry_id, kind, at, content in rows]

    async def save(self, state: UserState) -> None:
        """Their record and the update's outbox (`state.changes`), in one transaction; the
        outbox is then empty. An erasure stays asked for: a later save erases again.

        Only what changed since their record was loaded (or last saved) is written, and only
        a changed payload is encrypted: a /help writes last_update_id and nothing else."""
        changes, state.changes = state.changes, Changes(erase=state.changes.erase)
        try:
            if changes.erase:
                writes, stored = self._erasure(state.user_id), None
            else:
                stored = _Stored.of(state)
                before = state.stored if isinstance(state.stored, _Stored) else None
                writes = self._writes(state.user_id, changes, stored, before, _now())
            await self._run(writes)
        except BaseException:
            state.changes = changes  # nothing was saved: the outbox still holds it all
            raise
        state.stored = stored

    async def _run(self, writes: list[_Write]) -> None:
        """Every write and the commit in one trip to the database's thread, where a trip
        costs more than the writes themselves (bench/README.md). aiosqlite (pinned) has no
        public call that runs a function there; its `_execute` does."""
        if writes:
            await self._db._execute(_apply, self._db._conn, writes)

    def _writes(self, user_id: int, changes: Changes, after: _Stored, before: _Stored | None, now: str) -> list[_Write]:
        """What one save writes: the changed columns of their record, then the outbox."""
        writes = self._user_writes(user_id, after.user, before.user if before else None, now)
        writes += [
            _Write(
                "INSERT INTO entries (user_id, id, kind, at, content) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, id) DO UPDATE SET content = excluded.content",
                (user_id, entry.id, entry.kind, entry.at, self._cipher.encrypt(entry.data)),
            )
            for entry in changes.saves
        ]
        for entry_id in changes.forget:
            writes.append(_Write("DELETE FROM entries WHERE user_id = ? AND id = ?", (user_id, entry_id)))
            writes.append(_Write("DELETE FROM scheduled WHERE user_id = ? AND ref = ?", (user_id, entry_id)))
        writes += [
            _Write(
                "DELETE FROM scheduled WHERE user_id = ? AND kind = ? AND status = 'due' AND (? IS NULL OR ref = ?)",
                (user_id, kind, ref, ref),
            )
            for kind, ref in changes.unschedule
        ]
        # A key already used (sent, or still due) stays as it is: nothing goes out twice.
        writes += [
            _Write(
                "INSERT OR IGNORE INTO scheduled (user_id, key, kind, ref, due_at) VALUES (?, ?, ?, ?, ?)",
                (user_id, due.key, due.kind, due.ref, due.due_at),
            )
            for due in changes.schedule
        ]
        writes += [
            _Write(
                "INSERT INTO risk_events (user_id, at, content) VALUES (?, ?, ?)",
                (user_id, event["at"], self._cipher.encrypt({"kinds": event["kinds"]})),
            )
            for event in changes.risk_events
        ]
        return writes + self._flow_writes(user_id, after.flow, before, now)

    def _user_writes(self, user_id: int, row: dict[str, Any], before: dict[str, Any] | None, now: str) -> list[_Write]:
        """The users row: whole when it was never read, else only the columns that changed."""
        whole = partial(self._whole_user, user_id, row, now)
        return [whole()] if before is None else self._changed("users", user_id, row, before, now, whole)

    def _flow_writes(self, user_id: int, row: dict[str, Any] | None, before: _Stored | None, now: str) -> list[_Write]:
        """The practice in progress: gone, unchanged, changed in some columns, or new."""
        if row is None:
            gone = before is None or before.flow is not None
            return [_Write("DELETE FROM flow_state WHERE user_id = ?", (user_id,))] if gone else []
        whole = partial(self._whole_flow, user_id, row, now)
        if before is None or before.flow is None:
            return [whole()]
        return self._changed("flow_state", user_id, row, before.flow, now, whole)

    def _whole_user(self, user_id: int, row: dict[str, Any], now: str) -> _Write:
        values = {name: self._sealed(name, value) for name, value in row.items()}
        return _Write(
            "INSERT INTO users (user_id, chat_id, active, last_update_id, questions_asked, created_at,"
            " updated_at, settings, safety, entries_made, suspended) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, active = excluded.active,"
            " last_update_id = excluded.last_update_id, questions_asked = excluded.questions_asked,"
            " updated_at = excluded.updated_at, settings = excluded.settings, safety = excluded.safety,"
            " entries_made = excluded.entries_made, suspended = excluded.suspended",
            (
                user_id, values["chat_id"], values["active"], values["last_update_id"], values["questions_asked"],
                now, now, values["settings"], values["safety"], values["entries_made"], values["suspended"],
            ),
        )

    def _whole_flow(self, user_id: int, row: dict[str, Any], now: str) -> _Write:
        values = {name: self._sealed(name, value) for name, value in row.items()}
        return _Write(
            "INSERT INTO flow_state (user_id, flow, step, seq, updated_at, answers, meta) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
            " seq = excluded.seq, updated_at = excluded.updated_at, answers = excluded.answers,"
            " meta = excluded.meta",
            (user_id, values["flow"], values["step"], values["seq"], now, values["answers"], values["meta"]),
        )

    def _changed(
        self, table: str, user_id: int, row: dict[str, Any], before: dict[str, Any], now: str, whole: Callable[[], _Write]
    ) -> list[_Write]:
        """An UPDATE of only the columns of `row` that differ from `before`, encrypting only
        those; should the row be gone, it is written whole instead."""
        changed = [name for name, value in row.items() if value != before.get(name)]
        if not changed:
            return []
        values = [self._sealed(name, row[name]) for name in changed]
        if not set(changed) <= BOOKKEEPING:  # an update's id alone is not a change to their record
            changed, values = [*changed, "updated_at"], [*values, now]
        assignments = ", ".join(f"{name} = ?" for name in changed)
        return [_Write(f"UPDATE {table} SET {assignments} WHERE user_id = ?", (*values, user_id), if_missing=whole)]

    def _sealed(self, column: str, value: Any) -> Any:
        """A column's value as stored: an encrypted payload for the columns that hold one."""
        return self._cipher.seal(value) if column in SEALED and value is not None else value

    async def risk_events(self, user_id: int) -> list[dict]:
        """When the bot gave a risk response, and for which kinds (never the words)."""
        async with self._db.execute(
            "SELECT at, content FROM risk_events WHERE user_id = ? ORDER BY at, id", (user_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return [{"at": at, **self._cipher.decrypt(content)} for at, content in rows]

    async def is_active(self, user_id: int) -> bool | None:
        """Whether the person still receives messages (None: we have never seen them)."""
        async with self._db.execute("SELECT active FROM users WHERE user_id = ?", (user_id,)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else bool(row[0])

    # ------------------------------------------------------------------ scheduled rows

    async def due(self, now: datetime, limit: int = 500) -> list[tuple[int, int, Due]]:
        """(user_id, chat_id, row) for rows due by `now` that were not sent, oldest first,
        for people who can still be reached."""
        async with self._db.execute(
            "SELECT s.user_id, u.chat_id, s.key, s.kind, s.due_at, s.ref FROM scheduled s JOIN users u USING (user_id)"
            " WHERE s.status = 'due' AND s.due_at <= ? AND u.active = 1 ORDER BY s.due_at LIMIT ?",
            (now.astimezone(timezone.utc).isoformat(timespec="seconds"), limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(user_id, chat_id, Due(key, kind, due_at, ref)) for user_id, chat_id, key, kind, due_at, ref in rows]

    async def claim(self, user_id: int, key: str, status: str = "sent") -> bool:
        """Mark a due row sent (or skipped) before acting on it; False if someone else did."""
        cursor = await self._db.execute(
            "UPDATE scheduled SET status = ? WHERE user_id = ? AND key = ? AND status = 'due'", (status, user_id, key)
        )
        await self._db.commit()
        return cursor.rowcount == 1

    async def scheduled(self, user_id: int) -> list[dict]:
        """Their scheduled rows (for /export)."""
        async with self._db.execute(
            "SELECT key, kind, ref, due_at, status FROM scheduled WHERE user_id = ? ORDER BY due_at", (user_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return [{"kind": kind, "entry": ref, "due_at": due_at, "status": status} for _, kind, ref, due_at, status in rows]

    # ------------------------------------------------------------------------ erasure

    async def counts(self, user_id: int) -> dict[str, int]:
        """How many rows of each kind are kept about them (for /delete to say)."""
        counts: dict[str, int] = {}
        async with self._db.execute(
            "SELECT kind, COUNT(*) FROM entries WHERE user_id = ? GROUP BY kind", (user_id,)
        ) as cursor:
            counts.update({kind: n for kind, n in await cursor.fetchall()})
        for table, name in (("risk_events", "risk_events"), ("scheduled", "scheduled")):
            async with self._db.execute(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (user_id,)) as cursor:
                (counts[name],) = await cursor.fetchone()
        return counts

    @staticmethod
    def _erasure(user_id: int) -> list[_Write]:
        """Every row about this person, gone (secure_delete overwrites them)."""
        return [
            _Write(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
            for table in ("entries", "scheduled", "risk_events", "flow_state", "users")
        ]
