"""How a recurring nudge (the daily mood prompt, the daily lesson) backs off when ignored.

The rules, in one place:
- a nudge is ignored when nothing at all comes from the person between it and the next;
- ignored 3 times running, it comes every other time (every other day for a daily one,
  every other week for a weekly one);
- ignored 7 times running, it pauses: one message says so, with [Keep them coming] and
  [Stop them], and nothing more of that kind comes until they do something;
- anything they do resets every nudge (`seen`).
Nothing goes to someone who blocked the bot: the scheduler never picks their rows.

State per kind lives in `Settings.nudges[kind]`: when the last one was sent, how many in a
row were ignored, and whether it is paused.
"""

from __future__ import annotations

from datetime import datetime

from flows.dialogue.core import Settings
from flows.lib import schedule

EVERY_OTHER_AFTER = 3  # ignored this many times running: every other time
PAUSE_AFTER = 7  # ignored this many times running: pause, and say so once

SEND, SKIP, PAUSE, QUIET = "send", "skip", "pause", "quiet"


def verdict(settings: Settings, kind: str) -> str:
    """What to do with a nudge of `kind` falling due now: send it, leave this one out
    (every other time), send the one message that pauses it, or stay quiet (paused)."""
    state = settings.nudges.get(kind, {})
    if state.get("paused"):
        return QUIET
    ignored = _ignored(state)
    if ignored >= PAUSE_AFTER:
        return PAUSE
    if ignored >= EVERY_OTHER_AFTER and not state.get("skipped"):
        return SKIP
    return SEND


def skipped(settings: Settings, kind: str) -> None:
    """One was left out (every other time): the next one comes."""
    settings.nudges.setdefault(kind, {})["skipped"] = True


def sent(settings: Settings, kind: str, now: datetime) -> None:
    """A nudge of `kind` went out now; the one before it, if any, was ignored."""
    state = settings.nudges.setdefault(kind, {})
    state["ignored"] = _ignored(state)
    state["sent"] = schedule.iso(now)
    state.pop("skipped", None)


def paused(settings: Settings, kind: str) -> None:
    settings.nudges[kind] = {"paused": True}


def seen(settings: Settings) -> None:
    """They did something: every nudge starts afresh."""
    settings.nudges.clear()


def _ignored(state: dict) -> int:
    """How many in a row were ignored, counting the last one sent (nothing came since)."""
    return state.get("ignored", 0) + (1 if state.get("sent") else 0)
