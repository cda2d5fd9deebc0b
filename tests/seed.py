"""People with reminders due, written straight into the store: for the drain's tests and
the nudge benchmark (bench/bench_nudges.py), where onboarding each person through the
engine would take longer than what is measured."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.crypto import Cipher
from bot.storage import Storage
from flows.dialogue.core import Due, Entry, Settings, UserState
from flows.lib import schedule

PROMPT = "mood_prompt"


def settings(at: str = "20:00", zone: str = "UTC") -> Settings:
    """Someone onboarded, keeping entries, with a daily check-in at `at` in `zone`."""
    return Settings(consent=True, country="GB", timezone=zone, reminder=at, onboarded=True, prompt_for=f"{at} {zone}")


def prompt_due(due: datetime, zone: str = "UTC") -> Due:
    """The daily check-in prompt due at `due` (its key names their local day, as the real one's does)."""
    day = due.astimezone(schedule.zone_of(Settings(timezone=zone))).date()
    return Due(f"{PROMPT}:{day.isoformat()}", PROMPT, due.astimezone(timezone.utc).isoformat(timespec="seconds"))


def moods(count: int, before: datetime) -> list[Entry]:
    """`count` past moods, one every six hours back from a day before `before` (none today)."""
    start = before - timedelta(days=1)
    return [
        Entry(i + 1, "mood", (start - timedelta(hours=6 * i)).isoformat(timespec="seconds"), {"score": i % 11, "note": "a walk"})
        for i in range(count)
    ]


async def person_with_prompt(storage: Storage, user_id: int, due: datetime, history: int = 0, chat_id: int | None = None) -> None:
    """One person, saved as the engine saves them, with the prompt due and `history` moods."""
    state = UserState(user_id, chat_id or user_id, settings=settings(f"{due:%H:%M}"), entries_made=history)
    state.changes.saves.extend(moods(history, due))
    state.changes.schedule.append(prompt_due(due))
    await storage.save(state)


async def prompts_due_a_minute_ago(path: Path, key: str, url: str | None, chats: list[int]) -> list[int]:
    """People (chat id = user id) whose daily check-in prompt fell due a minute ago, written
    into the database a bot is about to open (the SQLite file at `path`, or PostgreSQL at `url`)."""
    due = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=1)
    store = await Storage.open(path, Cipher(key), url)
    try:
        for chat in chats:
            await person_with_prompt(store, chat, due)
    finally:
        await store.close()
    return chats
