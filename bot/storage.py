"""All SQL lives here, written once for SQLite (the embedded default: WAL mode, deleted rows
overwritten) and PostgreSQL (bot/database.py runs it on either), with numbered migrations
applied at start-up.

Private from the first byte: what a person tells us (settings, a flow's answers, later
their records) is one encrypted payload per row; only ids, kinds and times are columns SQL
can read. The payloads are the same bytes on either database.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import partial
from typing import Any
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.crypto import Cipher, WrongKeyError, to_json
from bot.database import Database, Transaction, Write, open_database, render_migration
from flows.dialogue.core import Changes, Due, Entry, FlowState, Safety, Settings, UserState

log = logging.getLogger(__name__)

KEY_CHECK = "cbt-companion key check"
GRACE = timedelta(hours=1)  # a reminder more than this late for any reason but the queue is not sent


@dataclass(frozen=True)
class Claimed:
    """A scheduled row claimed for sending (`late`: too late to send; only what a miss does)."""

    user_id: int
    chat_id: int | None
    due: Due
    late: bool = False


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


# Every table and its columns, in the order a copy must fill them (bot/migrate_db.py);
# tests/test_migrate_db.py checks this against the migrated schema.
TABLES: dict[str, tuple[str, ...]] = {
    "meta": ("key", "value"),
    "users": ("user_id", "chat_id", "active", "last_update_id", "questions_asked", "created_at", "updated_at",
              "settings", "safety", "entries_made", "suspended"),
    "flow_state": ("user_id", "flow", "step", "seq", "updated_at", "answers", "meta"),
    "risk_events": ("id", "user_id", "at", "content"),
    "entries": ("user_id", "id", "kind", "at", "content"),
    "scheduled": ("user_id", "key", "kind", "ref", "due_at", "status"),
}


async def migrate(db: Database) -> None:
    """Bring the schema up to date: each migration not yet applied, in order."""
    version = await db.schema_version()
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        await db.migrate_to(number, render_migration(script, db.dialect))
        log.info("database migrated to version %d", number)


def _whole_row_sql(table: str) -> str:
    """The upsert of a whole row of a person's table: every column TABLES lists, and on a
    conflict all of them set anew but the person's id and when the row was created."""
    columns = TABLES[table]
    anew = ", ".join(f"{column} = excluded.{column}" for column in columns if column not in ("user_id", "created_at"))
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            f" ON CONFLICT (user_id) DO UPDATE SET {anew}")


_WHOLE_ROW = {table: _whole_row_sql(table) for table in ("users", "flow_state")}

SEALED = frozenset({"settings", "safety", "suspended", "answers", "meta"})  # columns holding an encrypted payload
BOOKKEEPING = frozenset({"last_update_id"})  # columns whose change alone leaves updated_at


def _now() -> str:
    return _iso(datetime.now(timezone.utc))


def _iso(instant: datetime) -> str:
    """A UTC time as the columns hold it: ISO text, which sorts as time does."""
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds")


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


def _flow_state(row: dict[str, Any] | None) -> FlowState | None:
    if row is None:
        return None
    meta = json.loads(row["meta"]) if row["meta"] else {}
    return FlowState(row["flow"], row["step"], row["seq"], json.loads(row["answers"]), **meta)


class Storage:
    """The engine's store, opened once per process."""

    def __init__(self, db: Database, cipher: Cipher) -> None:
        self.db = db
        self._cipher = cipher

    @classmethod
    async def open(cls, path: Path, cipher: Cipher, url: str | None = None) -> Storage:
        """Open (creating if new) the database, migrate it, and prove the key opens it:
        PostgreSQL when `url` is a postgresql:// address, else the SQLite file at `path`."""
        db = await open_database(url, path)
        try:
            store = cls(db, cipher)
            await migrate(db)
            await store._check_key()
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        await self.db.close()

    @property
    def dialect(self) -> str:
        return self.db.dialect

    def person(self, user_id: int):
        """While held, no other process answers this person (PostgreSQL; SQLite has one process)."""
        return self.db.person(user_id)

    async def lead(self) -> bool:
        """Does this process send the scheduled rows? (One process of those sharing the database.)"""
        return await self.db.lead()

    async def _check_key(self) -> None:
        row = await self.db.fetchone("SELECT value FROM meta WHERE key = 'key_check'")
        if row is None:
            async with self.db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('key_check', ?) ON CONFLICT (key) DO NOTHING",
                    (self._cipher.encrypt(KEY_CHECK),),
                )
            row = await self.db.fetchone("SELECT value FROM meta WHERE key = 'key_check'")
        try:
            ok = self._cipher.decrypt(bytes(row[0])) == KEY_CHECK
        except WrongKeyError:
            ok = False
        if not ok:
            raise WrongKeyError(
                "DATA_ENCRYPTION_KEY does not open this database: it was created with a different key. "
                "Use the key it was created with (keep the key and the database backed up together)."
            )

    # ------------------------------------------------------------- per-person state

    async def load(self, user_id: int, chat_id: int, update_id: int | None = None) -> UserState:
        """Their state. What was read is kept beside it (`state.stored`, the payloads as
        plaintext JSON, never written anywhere) so that a save writes only what changed.

        `update_id`: the update being answered, recorded as seen in the same trip as the
        read (a /help then takes one trip in all). The state still says which update was
        seen before it, so that a repeated one is known; only a newer id is recorded."""
        select = (
            "SELECT u.chat_id, u.active, u.last_update_id, u.questions_asked, u.settings, u.safety,"
            " u.entries_made, u.suspended, f.flow, f.step, f.seq, f.answers, f.meta"
            " FROM users u LEFT JOIN flow_state f USING (user_id) WHERE u.user_id = ?"
        )
        if update_id is None:
            row = await self.db.fetchone(select, (user_id,))
        else:
            row = await self.db.read_then(select, (user_id,), [Write(
                "UPDATE users SET last_update_id = ? WHERE user_id = ? AND (last_update_id IS NULL OR last_update_id < ?)",
                (update_id, user_id, update_id),
            )])
        if row is None:
            return UserState(user_id, chat_id)
        (stored_chat, active, last_update_id, questions_asked, settings, safety, entries_made, suspended,
         flow, step, seq, answers, meta) = row
        unseal = self._unseal
        recorded = last_update_id if update_id is None or (last_update_id or 0) >= update_id else update_id
        stored = _Stored(
            {
                "chat_id": stored_chat, "active": active, "last_update_id": recorded,
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
        return None if token is None else self._cipher.unseal(bytes(token))

    async def history(self, user_id: int) -> list[Entry]:
        """Every entry of theirs, newest first."""
        rows = await self.db.fetchall(
            "SELECT id, kind, at, content FROM entries WHERE user_id = ? ORDER BY at DESC, id DESC", (user_id,)
        )
        return self._entries(rows)

    async def entries(self, user_id: int, ids: tuple[int, ...] = (), kinds: tuple[str, ...] = (),
                      since: datetime | None = None) -> list[Entry]:
        """Only some entries, newest first: those numbered `ids`, and those of `kinds` made
        since `since`. Both come from indexes, so what a nudge reads costs the same however
        long their history is."""
        rows = []
        if ids:
            marks = ", ".join("?" * len(ids))
            rows += await self.db.fetchall(
                f"SELECT id, kind, at, content FROM entries WHERE user_id = ? AND id IN ({marks})", (user_id, *ids)
            )
        if kinds and since is not None:
            marks = ", ".join("?" * len(kinds))
            rows += await self.db.fetchall(
                f"SELECT id, kind, at, content FROM entries WHERE user_id = ? AND kind IN ({marks}) AND at >= ?",
                (user_id, *kinds, _iso(since)),
            )
        unique = {entry_id: (entry_id, kind, at, content) for entry_id, kind, at, content in rows}
        return self._entries(sorted(unique.values(), key=lambda row: (row[2], row[0]), reverse=True))

    def _entries(self, rows: list) -> list[Entry]:
        """Rows of (id, kind, at, content) as entries, their words decrypted."""
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
            await self.db.run(writes)
        except BaseException:
            state.changes = changes  # nothing was saved: the outbox still holds it all
            raise
        state.stored = stored

    def _writes(self, user_id: int, changes: Changes, after: _Stored, before: _Stored | None, now: str) -> list[Write]:
        """What one save writes: the changed columns of their record, then the outbox."""
        writes = self._user_writes(user_id, after.user, before.user if before else None, now)
        writes += [
            Write(
                "INSERT INTO entries (user_id, id, kind, at, content) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, id) DO UPDATE SET content = excluded.content",
                (user_id, entry.id, entry.kind, entry.at, self._cipher.encrypt(entry.data)),
            )
            for entry in changes.saves
        ]
        for entry_id in changes.forget:
            writes.append(Write("DELETE FROM entries WHERE user_id = ? AND id = ?", (user_id, entry_id)))
            writes.append(Write("DELETE FROM scheduled WHERE user_id = ? AND ref = ?", (user_id, entry_id)))
        for kind, ref in changes.unschedule:  # no "? IS NULL": PostgreSQL cannot type a bare parameter
            if ref is None:
                writes.append(Write("DELETE FROM scheduled WHERE user_id = ? AND kind = ? AND status = 'due'", (user_id, kind)))
            else:
                writes.append(Write(
                    "DELETE FROM scheduled WHERE user_id = ? AND kind = ? AND status = 'due' AND ref = ?", (user_id, kind, ref)
                ))
        # A key already used (sent, or still due) stays as it is: nothing goes out twice.
        writes += [
            Write(
                "INSERT INTO scheduled (user_id, key, kind, ref, due_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (user_id, due.key, due.kind, due.ref, due.due_at),
            )
            for due in changes.schedule
        ]
        if changes.release_held is not None:  # they are back: what waited while they had blocked the bot is due
            # again, or, if its time is long past, is missed (the tick marks it so)
            writes.append(Write(
                "UPDATE scheduled SET status = CASE WHEN due_at < ? THEN 'late' ELSE 'due' END"
                " WHERE user_id = ? AND status = 'held'",
                (_iso(changes.release_held - GRACE), user_id),
            ))
        writes += [
            Write(
                "INSERT INTO risk_events (user_id, at, content) VALUES (?, ?, ?)",
                (user_id, event["at"], self._cipher.encrypt({"kinds": event["kinds"]})),
            )
            for event in changes.risk_events
        ]
        return writes + self._flow_writes(user_id, after.flow, before, now)

    def _user_writes(self, user_id: int, row: dict[str, Any], before: dict[str, Any] | None, now: str) -> list[Write]:
        """The users row: whole when it was never read, else only the columns that changed."""
        whole = partial(self._whole, "users", user_id, row, now)
        return [whole()] if before is None else self._changed("users", user_id, row, before, now, whole)

    def _flow_writes(self, user_id: int, row: dict[str, Any] | None, before: _Stored | None, now: str) -> list[Write]:
        """The practice in progress: gone, unchanged, changed in some columns, or new."""
        if row is None:
            gone = before is None or before.flow is not None
            return [Write("DELETE FROM flow_state WHERE user_id = ?", (user_id,))] if gone else []
        whole = partial(self._whole, "flow_state", user_id, row, now)
        if before is None or before.flow is None:
            return [whole()]
        return self._changed("flow_state", user_id, row, before.flow, now, whole)

    def _whole(self, table: str, user_id: int, row: dict[str, Any], now: str) -> Write:
        """A row of users or flow_state written whole: inserted, or every column set anew."""
        values = {"user_id": user_id, "created_at": now, "updated_at": now}
        values.update((name, self._sealed(name, value)) for name, value in row.items())
        return Write(_WHOLE_ROW[table], tuple(values[column] for column in TABLES[table]))

    def _changed(
        self, table: str, user_id: int, row: dict[str, Any], before: dict[str, Any], now: str, whole: Callable[[], Write]
    ) -> list[Write]:
        """An UPDATE of only the columns of `row` that differ from `before`, encrypting only
        those; should the row be gone, it is written whole instead."""
        changed = [name for name, value in row.items() if value != before.get(name)]
        if not changed:
            return []
        values = [self._sealed(name, row[name]) for name in changed]
        if not set(changed) <= BOOKKEEPING:  # an update's id alone is not a change to their record
            changed, values = [*changed, "updated_at"], [*values, now]
        assignments = ", ".join(f"{name} = ?" for name in changed)
        return [Write(f"UPDATE {table} SET {assignments} WHERE user_id = ?", (*values, user_id), if_missing=whole)]

    def _sealed(self, column: str, value: Any) -> Any:
        """A column's value as stored: an encrypted payload for the columns that hold one."""
        return self._cipher.seal(value) if column in SEALED and value is not None else value

    async def risk_events(self, user_id: int) -> list[dict]:
        """When the bot gave a risk response, and for which kinds (never the words)."""
        rows = await self.db.fetchall("SELECT at, content FROM risk_events WHERE user_id = ? ORDER BY at, id", (user_id,))
        return [{"at": at, **self._cipher.decrypt(content)} for at, content in rows]

    async def is_active(self, user_id: int) -> bool | None:
        """Whether the person still receives messages (None: we have never seen them)."""
        row = await self.db.fetchone("SELECT active FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else bool(row[0])

    # ------------------------------------------------------------------ scheduled rows

    async def claim_due(self, now: datetime, limit: int) -> list[Claimed]:
        """Claim up to `limit` rows due by `now`, oldest first, for this process (no other
        claim, here or in another process, takes them; none while this process does not
        lead). Each is then marked sent just before its message goes (`mark_sent`): a row
        claimed by a process that died before trying is due again for the next
        (`requeue_claimed`); one whose message was on its way is not, so nothing is sent
        twice. Rows that waited while their person had blocked the bot and came back too
        late to send come first, marked skipped (`Claimed.late`). The rows of people who
        blocked the bot are held, not returned, so that no claim walks past them again."""
        async with self.db.transaction() as tx:
            late = await self._claim(tx, "late", "skipped", now, limit)
            due = await self._claim(tx, "due", "claimed", now, limit - len(late)) if len(late) < limit else []
            gone = [(c.user_id, c.due.key) for c in due if c.chat_id is None]
            if gone:
                await tx.executemany("UPDATE scheduled SET status = 'held' WHERE user_id = ? AND key = ?", gone)
        claimed = [*late, *(c for c in due if c.chat_id is not None)]
        return sorted(claimed, key=lambda c: c.due.due_at)

    async def _claim(self, tx: Transaction, status: str, to: str, now: datetime, limit: int) -> list[Claimed]:
        # One statement: the rows are chosen and marked together; on PostgreSQL, rows another
        # process is claiming are passed over. chat_id is None for someone who cannot be reached.
        rows = await tx.fetchall(
            "UPDATE scheduled SET status = ? WHERE (user_id, key) IN (SELECT user_id, key FROM scheduled"
            f" WHERE status = ? AND due_at <= ? ORDER BY due_at LIMIT ?{self.db.skip_locked}){self.db.fence()}"
            " RETURNING user_id, key, kind, due_at, ref,"
            " (SELECT chat_id FROM users u WHERE u.user_id = scheduled.user_id AND u.active = 1)",
            (to, status, _iso(now), limit),
        )
        return [
            Claimed(user_id, chat_id, Due(key, kind, due_at, ref), late=status == "late")
            for user_id, key, kind, due_at, ref, chat_id in rows
        ]

    async def mark_sent(self, user_id: int, key: str, status: str = "sent") -> bool:
        """A claimed row, just before its message goes (or, as "skipped", when it will not):
        False if it is no longer this claim's to send (or this process no longer leads)."""
        async with self.db.transaction() as tx:
            rows = await tx.fetchall(
                f"UPDATE scheduled SET status = ? WHERE user_id = ? AND key = ? AND status = 'claimed'{self.db.fence()}"
                " RETURNING key",
                (status, user_id, key),
            )
        return bool(rows)

    async def requeue_claimed(self) -> int:
        """Rows a scheduler claimed and never tried to send (it stopped, or died): due again.
        Only a new leader calls this, when no other process can be claiming."""
        async with self.db.transaction() as tx:
            rows = await tx.fetchall(
                f"UPDATE scheduled SET status = 'due' WHERE status = 'claimed'{self.db.fence()} RETURNING key"
            )
        return len(rows)

    async def beat(self, now: datetime) -> None:
        """The scheduler is alive at `now` (a row due before the last beat was not missed
        for downtime: it waited in the queue)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO meta (key, value) VALUES ('last_tick', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (_iso(now).encode(),),
            )

    async def last_beat(self) -> datetime | None:
        row = await self.db.fetchone("SELECT value FROM meta WHERE key = 'last_tick'")
        if row is None:
            return None
        value = row[0]
        return datetime.fromisoformat(value if isinstance(value, str) else bytes(value).decode())

    async def scheduled(self, user_id: int) -> list[dict]:
        """Their scheduled rows (for /export)."""
        rows = await self.db.fetchall(
            "SELECT key, kind, ref, due_at, status FROM scheduled WHERE user_id = ? ORDER BY due_at", (user_id,)
        )
        return [{"kind": kind, "entry": ref, "due_at": due_at, "status": status} for _, kind, ref, due_at, status in rows]

    # ------------------------------------------------------------------------ erasure

    async def counts(self, user_id: int) -> dict[str, int]:
        """How many rows of each kind are kept about them (for /delete to say)."""
        rows = await self.db.fetchall("SELECT kind, COUNT(*) FROM entries WHERE user_id = ? GROUP BY kind", (user_id,))
        counts: dict[str, int] = {kind: n for kind, n in rows}
        for table in ("risk_events", "scheduled"):
            (counts[table],) = await self.db.fetchone(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (user_id,))
        return counts

    @staticmethod
    def _erasure(user_id: int) -> list[Write]:
        """Every row about this person, gone (SQLite's secure_delete overwrites them)."""
        return [
            Write(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
            for table in ("entries", "scheduled", "risk_events", "flow_state", "users")
        ]
