"""All SQL lives here. SQLite through aiosqlite, WAL mode, numbered migrations at start-up.

Private from the first byte: what a person tells us (settings, a flow's answers, later
their records) is one encrypted payload per row; only ids, kinds and times are columns SQL
can read. `secure_delete` overwrites deleted rows.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import aiosqlite

from bot.crypto import Cipher, WrongKeyError
from flows.core import FlowState, Safety, Settings, UserState

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
]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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

    async def load(self, user_id: int, chat_id: int) -> UserState:
        async with self._db.execute(
            "SELECT u.chat_id, u.active, u.last_update_id, u.questions_asked, u.settings, u.safety, f.flow, f.step, f.seq, f.answers"
            " FROM users u LEFT JOIN flow_state f USING (user_id) WHERE u.user_id = ?",
            (user_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return UserState(user_id, chat_id)
        stored_chat, active, last_update_id, questions_asked, settings, safety, flow, step, seq, answers = row
        flow_state = FlowState(flow, step, seq, self._cipher.decrypt(answers)) if flow else None
        return UserState(
            user_id,
            stored_chat,
            Settings.from_dict(self._cipher.decrypt(settings)),
            flow_state,
            bool(active),
            last_update_id,
            questions_asked,
            Safety.from_dict(self._cipher.decrypt(safety)) if safety else Safety(),
        )

    async def save(self, state: UserState) -> None:
        now = _now()
        db = self._db
        await db.execute(
            "INSERT INTO users (user_id, chat_id, active, last_update_id, questions_asked, created_at,"
            " updated_at, settings, safety) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, active = excluded.active,"
            " last_update_id = excluded.last_update_id, questions_asked = excluded.questions_asked,"
            " updated_at = excluded.updated_at, settings = excluded.settings, safety = excluded.safety",
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
            ),
        )
        for event in state.new_risk_events:
            await db.execute(
                "INSERT INTO risk_events (user_id, at, content) VALUES (?, ?, ?)",
                (state.user_id, event["at"], self._cipher.encrypt({"kinds": event["kinds"]})),
            )
        state.new_risk_events.clear()
        if state.flow is None:
            await db.execute("DELETE FROM flow_state WHERE user_id = ?", (state.user_id,))
        else:
            flow = state.flow
            await db.execute(
                "INSERT INTO flow_state (user_id, flow, step, seq, updated_at, answers) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
                " seq = excluded.seq, updated_at = excluded.updated_at, answers = excluded.answers",
                (state.user_id, flow.name, flow.step, flow.seq, now, self._cipher.encrypt(flow.data)),
            )
        await db.commit()

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
