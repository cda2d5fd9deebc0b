"""What the problem-solving flows, their reminders and their review share: names, the data
file, what may be quoted back, the rows scheduled, and the kind end on risk."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pydantic import Field

from flows.dialogue import safety
from flows.dialogue.core import Ctx, Due, Entry, Reply
from flows.lib import markup, schedule
from flows.lib.content import DataFile
from flows.lib.screening import normalise

KIND = "solve"
REMINDER, REVIEW = "solve_reminder", "solve_review"  # scheduled kinds
REVIEW_FLOW = "solve_review"  # started by the review prompt's [Look back now]

# Statuses of an entry
PLANNED, SORTED, LEFT, STOPPED = "planned", "sorted", "left", "stopped"

MAX_IDEAS = 6  # each is rated twice: more would be a chore on a phone
MAX_STEPS = 3  # small steps planned at a time
IDEA_CHARS = 150  # one idea, typed
STEP_CHARS = 200  # one step, typed
QUOTE_CHARS = 90  # the problem or an idea, quoted in a prompt
SHORT_CHARS = 40  # an idea on a button, a step on the summary card
TABLE_CHARS = 24  # an idea in the comparison (six, with their numbers, on one screen)

# Every kind of risk ends it: being hurt, or thoughts of dying, self-harm or harming someone,
# are not problems to brainstorm options for (an age mention alone is not risk).
ENDS_ON_RISK = frozenset(safety.SEVERITY)
SUICIDE_KINDS = frozenset({"suicidal", "self_harm", "plan", "act"})


class SolveContent(DataFile):
    """content/practices/solve.toml: what counts as a vague problem."""

    path = "practices/solve.toml"

    min_words: int = Field(ge=1, le=20)
    vague_up_to: int = Field(ge=1, le=40)
    vague_phrases: list[str] = Field(min_length=1)
    done_words: list[str] = []


def said_done(ctx: Ctx, text: str) -> bool:
    """Typed "that's all" (or another of the done words) at the brainstorm."""
    return " ".join(re.findall(r"[a-z0-9]+", normalise(text))) in ctx.content.of(SolveContent).done_words


def _phrase(phrase: str) -> re.Pattern[str]:
    words = normalise(phrase).split()
    return re.compile(r"(?<![a-z0-9])" + r"\s+".join(re.escape(w) for w in words) + r"(?![a-z0-9])")


def vague(ctx: Ctx, problem: str) -> bool:
    """Too short to act on, or a short sentence of vague words ("my life is a mess")."""
    rules = ctx.content.of(SolveContent)
    text = normalise(problem)
    words = re.findall(r"[a-z0-9]+", text)
    if len(words) < rules.min_words:
        return True
    return len(words) <= rules.vague_up_to and any(_phrase(p).search(text) for p in rules.vague_phrases)


# ------------------------------------------------------------------- quoting back


def shown(data: dict[str, Any], field: str, limit: int = QUOTE_CHARS) -> str | None:
    """A field of theirs as it may be quoted back: None if screening flagged it; text cut."""
    return markup.quotable(data, field, limit)


def idea_texts(data: dict[str, Any], limit: int = QUOTE_CHARS) -> list[str | None]:
    """Their ideas as they may be quoted (None each if the ideas were flagged)."""
    hidden = "ideas" in data.get("hidden", [])
    return [None if hidden else markup.shorten(idea["text"], limit) for idea in data.get("ideas", [])]


def chosen_text(data: dict[str, Any], limit: int = QUOTE_CHARS) -> str | None:
    chosen = data.get("chosen")
    if chosen is None or chosen >= len(data.get("ideas", [])):
        return None
    return idea_texts(data, limit)[chosen]


def step_views(data: dict[str, Any], steps: list[dict], limit: int = SHORT_CHARS) -> list[dict]:
    hidden = "steps" in data.get("hidden", [])
    return [{"text": None if hidden else markup.shorten(s["text"], limit), "when": s["when"]} for s in steps]


# ------------------------------------------------------------------- the rows


def review_time(ctx: Ctx, steps: list[dict]) -> str:
    """The day after their last step, at that step's local time (in their time zone)."""
    last = max(schedule.instant(s["when"]) for s in steps)
    local = last.astimezone(schedule.zone_of(ctx.settings))
    return schedule.iso(schedule.at_local(local.date() + timedelta(days=1), local.time(), ctx.settings))


def schedule_rows(ctx: Ctx, entry: Entry, steps: list[dict], review_only: bool = False) -> None:
    """A neutral reminder at each step's time (if they wanted them) and the review the day
    after the last (if they wanted it). Rows hold the entry's id and times, never words."""
    if entry.data.get("reminders") and not review_only:
        for step in steps:
            ctx.schedule(Due(f"solve:{entry.id}:{step['when']}", REMINDER, step["when"], ref=entry.id))
    if entry.data.get("review"):
        ctx.unschedule(REVIEW, entry.id)
        at = review_time(ctx, steps)
        entry.data["review_at"] = at
        ctx.schedule(Due(f"solve_review:{entry.id}:{at}", REVIEW, at, ref=entry.id))


# ------------------------------------------------------------------- risk


def kind_end(ctx: Ctx) -> list[Reply]:
    """The practice stops, kindly, after the safety detour: what they wrote is not treated as
    an ordinary problem (never options, never "well done")."""
    if ctx.risk & SUICIDE_KINDS:
        ending = "kind_end"
    elif "harm_from_others" in ctx.risk:
        ending = "not_ordinary"
    else:
        ending = "unwanted_thoughts"
    return [Reply(ctx.render(f"solve/{ending}", kept=ctx.keeps, abuse=safety.abuse_line_if_hurt(ctx)))]


def ended_for_safety(ctx: Ctx) -> bool:
    return bool(ctx.risk & ENDS_ON_RISK)
