"""All SQL lives here. SQLite through aiosqlite, WAL mode, numbered migrations at start-up.

Private from the first byte: what a person tells us (settings, a flow's answers, later
their records) is one encrypted payload per row; only ids, kinds and times are columns SQL
can read. `secure_delete` overwrites deleted rows.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiosqlite

from bot.crypto import Cipher, WrongKeyError
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


def _now() -> str:
    return _iso(datetime.now(timezone.utc))


def _iso(instant: datetime) -> str:
    """A UTC time as the columns hold it: ISO text, which sorts as time does."""
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds")


class Storage:
    """The engine's store: one connection, opened once per process."""

    def __init__(self, db: aiosqlite.Connection, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher
        # One write transaction at a time on the one connection: updates for different
        # people, the drain's claims and its nudges all write here at once, and a rollback
        # (or a commit) would otherwise take another's half-written transaction with it.
        self._writing = asyncio.Lock()

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

    async def load(self, user_id: int, chat_id: int) -> UserState:
        async with self._db.execute(
            "SELECT u.chat_id, u.active, u.last_update_id, u.questions_asked, u.settings, u.safety,"
            " u.entries_made, u.suspended, f.flow, f.step, f.seq, f.answers, f.meta"
            " FROM users u LEFT JOIN flow_state f USING (user_id) WHERE u.user_id = ?",
            (user_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return UserState(user_id, chat_id)
        (stored_chat, active, last_update_id, questions_asked, settings, safety, entries_made, suspended,
         flow, step, seq, answers, meta) = row
        flow_state = (
            FlowState(flow, step, seq, self._cipher.decrypt(answers), **(self._cipher.decrypt(meta) if meta else {}))
            if flow
            else None
        )
        return UserState(
            user_id,
            stored_chat,
            Settings.from_dict(self._cipher.decrypt(settings)),
            flow_state,
            bool(active),
            last_update_id,
            questions_asked,
            Safety.from_dict(self._cipher.decrypt(safety)) if safety else Safety(),
            entries_made=entries_made,
            suspended=[FlowState(**f) for f in self._cipher.decrypt(suspended)] if suspended else [],
        )

    async def history(self, user_id: int) -> list[Entry]:
        """Every entry of theirs, newest first."""
        async with self._db.execute(
            "SELECT id, kind, at, content FROM entries WHERE user_id = ? ORDER BY at DESC, id DESC", (user_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return [Entry(entry_id, kind, at, self._cipher.decrypt(content)) for entry_id, kind, at, content in rows]

    async def entries(self, user_id: int, ids: tuple[int, ...] = (), kinds: tuple[str, ...] = (),
                      since: datetime | None = None) -> list[Entry]:
        """Only some entries, newest first: those numbered `ids`, and those of `kinds` made
        since `since`. Both come from indexes, so what a nudge reads costs the same however
        long their history is."""
        rows = []
        if ids:
            marks = ", ".join("?" * len(ids))
            async with self._db.execute(
                f"SELECT id, kind, at, content FROM entries WHERE user_id = ? AND id IN ({marks})", (user_id, *ids)
            ) as cursor:
                rows += await cursor.fetchall()
        if kinds and since is not None:
            marks = ", ".join("?" * len(kinds))
            async with self._db.execute(
                f"SELECT id, kind, at, content FROM entries WHERE user_id = ? AND kind IN ({marks}) AND at >= ?",
                (user_id, *kinds, _iso(since)),
            ) as cursor:
                rows += await cursor.fetchall()
        unique = {entry_id: (entry_id, kind, at, content) for entry_id, kind, at, content in rows}
        newest_first = sorted(unique.values(), key=lambda row: (row[2], row[0]), reverse=True)
        return [Entry(entry_id, kind, at, self._cipher.decrypt(content)) for entry_id, kind, at, content in newest_first]

    async def save(self, state: UserState) -> None:
        """Their record and the update's outbox (`state.changes`), in one transaction; the
        outbox is then empty. An erasure stays asked for: a later save erases again."""
        changes, state.changes = state.changes, Changes(erase=state.changes.erase)
        async with self._writing:
            try:
                if changes.erase:
                    await self._erase(state)
                else:
                    await self._write(state, changes)
                await self._db.commit()
            except BaseException:
                await self._db.rollback()
                state.changes = changes  # nothing was saved: the outbox still holds it all
                raise

    async def _write(self, state: UserState, changes: Changes) -> None:
        now = _now()
        db = self._db
        await db.execute(
            "INSERT INTO users (user_id, chat_id, active, last_update_id, questions_asked, created_at,"
            " updated_at, settings, safety, entries_made, suspended) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, active = excluded.active,"
            " last_update_id = excluded.last_update_id, questions_asked = excluded.questions_asked,"
            " updated_at = excluded.updated_at, settings = excluded.settings, safety = excluded.safety,"
            " entries_made = excluded.entries_made, suspended = excluded.suspended",
            (
                state.user_id,
                state.chat_id,
                int(state.active),
                state.last_update_id,
                state.questions_asked,
                now,
                now,
                self._cipher.encrypt(state.settings.to_dict()),
                None if state.safety == Safety() else self._cipher.encrypt(state.safety.to_dict()),
                state.entries_made,
                self._cipher.encrypt([vars(f) for f in state.suspended]) if state.suspended else None,
            ),
        )
        for entry in changes.saves:
            await db.execute(
                "INSERT INTO entries (user_id, id, kind, at, content) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, id) DO UPDATE SET content = excluded.content",
                (state.user_id, entry.id, entry.kind, entry.at, self._cipher.encrypt(entry.data)),
            )
        for entry_id in changes.forget:
            await db.execute("DELETE FROM entries WHERE user_id = ? AND id = ?", (state.user_id, entry_id))
            await db.execute("DELETE FROM scheduled WHERE user_id = ? AND ref = ?", (state.user_id, entry_id))
        for kind, ref in changes.unschedule:
            await db.execute(
                "DELETE FROM scheduled WHERE user_id = ? AND kind = ? AND status = 'due' AND (? IS NULL OR ref = ?)",
                (state.user_id, kind, ref, ref),
            )
        for due in changes.schedule:
            # A key already used (sent, or still due) stays as it is: nothing goes out twice.
            await db.execute(
                "INSERT OR IGNORE INTO scheduled (user_id, key, kind, ref, due_at) VALUES (?, ?, ?, ?, ?)",
                (state.user_id, due.key, due.kind, due.ref, due.due_at),
            )
        if changes.release_held is not None:  # they are back: what waited while they had blocked the bot is due again,
            # or, if its time is long past, is missed (the tick marks it so)
            await db.execute(
                "UPDATE scheduled SET status = CASE WHEN due_at < ? THEN 'late' ELSE 'due' END"
                " WHERE user_id = ? AND status = 'held'",
                (_iso(changes.release_held - GRACE), state.user_id),
            )
        for event in changes.risk_events:
            await db.execute(
                "INSERT INTO risk_events (user_id, at, content) VALUES (?, ?, ?)",
                (state.user_id, event["at"], self._cipher.encrypt({"kinds": event["kinds"]})),
            )
        if state.flow is None:
            await db.execute("DELETE FROM flow_state WHERE user_id = ?", (state.user_id,))
        else:
            flow = state.flow
            await db.execute(
                "INSERT INTO flow_state (user_id, flow, step, seq, updated_at, answers, meta) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
                " seq = excluded.seq, updated_at = excluded.updated_at, answers = excluded.answers,"
                " meta = excluded.meta",
                (
                    state.user_id, flow.name, flow.step, flow.seq, now, self._cipher.encrypt(flow.data),
                    self._cipher.encrypt({"started": flow.started, "risk": flow.risk}),
                ),
            )

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

    async def claim_due(self, now: datetime, limit: int) -> list[Claimed]:
        """Claim up to `limit` rows due by `now`, oldest first: each is marked before
        anything is sent (at most once, whoever else is claiming). Rows that waited while
        their person had blocked the bot and came back too late to send come first, marked
        skipped (`Claimed.late`). The rows of people who blocked the bot are held, not
        returned, so that no claim walks past them again."""
        async with self._writing:
            late = await self._claim("late", "skipped", now, limit)
            due = await self._claim("due", "sent", now, limit - len(late)) if len(late) < limit else []
            gone = [(c.user_id, c.due.key) for c in due if c.chat_id is None]
            if gone:
                await self._db.executemany("UPDATE scheduled SET status = 'held' WHERE user_id = ? AND key = ?", gone)
            await self._db.commit()
        claimed = [*late, *(c for c in due if c.chat_id is not None)]
        return sorted(claimed, key=lambda c: c.due.due_at)

    async def _claim(self, status: str, to: str, now: datetime, limit: int) -> list[Claimed]:
        # One statement: the rows are chosen and marked together. chat_id is None for
        # someone who cannot be reached.
        async with self._db.execute(
            "UPDATE scheduled SET status = ? WHERE rowid IN (SELECT rowid FROM scheduled"
            " WHERE status = ? AND due_at <= ? ORDER BY due_at LIMIT ?)"
            " RETURNING user_id, key, kind, due_at, ref,"
            " (SELECT chat_id FROM users u WHERE u.user_id = scheduled.user_id AND u.active = 1)",
            (to, status, _iso(now), limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            Claimed(user_id, chat_id, Due(key, kind, due_at, ref), late=status == "late")
            for user_id, key, kind, due_at, ref, chat_id in rows
        ]

    async def set_status(self, user_id: int, key: str, status: str) -> None:
        """A claimed row's outcome when it was not sent ("skipped": too late after downtime)."""
        async with self._writing:
            await self._db.execute("UPDATE scheduled SET status = ? WHERE user_id = ? AND key = ?", (status, user_id, key))
            await self._db.commit()

    async def beat(self, now: datetime) -> None:
        """The scheduler is alive at `now` (a row due before the last beat was not missed
        for downtime: it waited in the queue)."""
        async with self._writing:
            await self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('last_tick', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (_iso(now),),
            )
            await self._db.commit()

    async def last_beat(self) -> datetime | None:
        async with self._db.execute("SELECT value FROM meta WHERE key = 'last_tick'") as cursor:
            row = await cursor.fetchone()
        return datetime.fromisoformat(row[0]) if row else None

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

    async def _erase(self, state: UserState) -> None:
        """Every row about this person, gone (secure_delete overwrites them)."""
        for table in ("entries", "scheduled", "risk_events", "flow_state", "users"):
            await self._db.execute(f"DELETE FROM {table} WHERE user_id = ?", (state.user_id,))
