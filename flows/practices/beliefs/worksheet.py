"""/beliefs: from one thought down to the core belief beneath it (the downward arrow), then
a more balanced belief, slowly, one question a message.

1. The thought: their last thought record's, one they pick from their recent records, or a
   new one typed now. A record whose thought screening flagged (or that ended for safety)
   is never offered or quoted.
2. "If that were true, what would it mean about you?", up to four times, each answer quoted
   back (shortened) in the next question; [That's it] stops earlier.
3. The belief, named in their own words (or their last answer, with one tap). The common
   families (content/practices/beliefs.toml) are there as help with words, shown only when
   tapped, and never recorded about them.
4. How strongly they hold it (0-100), and what it filters out ("What would you tell a friend?").
5. A more balanced belief, and how much they believe it (0-100).
6. If they have none yet, a daily note (flows/practices/beliefs/log.py) is offered.

Every question offers [Take a breather]: a short check-in (/checkin starts, this one ends),
back to where they were, or stop for today. Any disclosure ends it after the safety detour
(what they wrote is kept, hidden). Nothing is recorded before the end: /cancel, a breather
that ends it, or stopping leaves nothing saved.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flows.dialogue import safety
from flows.dialogue.core import Answer, Ctx, Entry, Flow, Goto, Invalid, Option, OptionRows, Reply, Step, written_or_skipped
from flows.lib import markup, places, scales
from flows.practices import next_steps
from flows.practices.fields import NO_WORDS, YES_WORDS
from flows.practices.beliefs.common import ENDS, FLOW, KIND, BeliefsContent, Family

# Steps
START, PICK, NEW = "start", "pick", "new"
ARROWS = ("arrow1", "arrow2", "arrow3", "arrow4")
NAME, RATE, EVIDENCE, BALANCED, BALANCED_RATE, LOG, BREATHER = (
    "name", "rate", "evidence", "balanced", "balanced_rate", "log", "breather",
)  # fmt: skip

# Option values
BREATHE = "breathe"
LAST, OTHER, FRESH = "last", "other", "new"
ENOUGH = "enough"
WORDS, FAMILY = "words", "f"  # "f:<family id>" shows a family's examples, tapped again hides them
SKIP = "skip"
YES, NO = "yes", "no"
CHECKIN, BACK, STOP = "checkin", "back", "stop"

CHECKIN_FLOW = "checkin"
DEFAULT_LOG_TIME = "20:00"  # the daily note's time when they have no check-in time
RECENT = 4  # thought records offered to pick from
QUOTE_CHARS = 120  # a quoted answer in a question
PICK_CHARS = 60  # each thought in the list to pick from
NAME_QUOTE_CHARS = 80  # the last answer, above the families' help
BELIEF_CHARS = 300  # a belief is a sentence
NUMBERS = {
    START: 1, PICK: 1, NEW: 1, **{a: 2 for a in ARROWS}, NAME: 3, RATE: 4, EVIDENCE: 4,
    BALANCED: 5, BALANCED_RATE: 5, LOG: 6,
}  # fmt: skip


def position(ctx: Ctx, step: str) -> dict[str, Any]:
    return {"n": NUMBERS.get(step, 0), "total": 6 if ctx.data.get("offer_log") else 5}


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    ctx.data["offer_log"] = not ctx.settings.belief_log
    return [Reply(ctx.render("beliefs/intro"))], START if usable_thoughts(ctx) else NEW


# ------------------------------------------------------------------------ the thought


def usable_thoughts(ctx: Ctx) -> list[Entry]:
    """Their recent thought records that may be offered: never one whose thought was flagged,
    nor one that ended for safety."""
    return [
        e for e in ctx.history
        if e.kind == "thought" and e.data.get("thought") and "thought" not in e.data.get("hidden", [])
        and not e.data.get("ended_for_safety")
    ][:RECENT]  # fmt: skip


def _take(ctx: Ctx, entry: Entry) -> None:
    ctx.data.update(thought=entry.data["thought"], thought_id=entry.id, source="thought")


def _typed_thought(ctx: Ctx, answer: Answer, refusal: str) -> None:
    if not answer.text:
        raise Invalid(refusal)
    ctx.data.update(thought=answer.text, thought_id=None, source="new")


def read_start(ctx: Ctx, answer: Answer) -> Goto | None:
    """[Start from this one], [Another one], [A new thought], or a new thought typed."""
    if answer.choice == LAST:
        found = usable_thoughts(ctx)
        if not found:  # gone since it was offered
            return Goto(NEW)
        _take(ctx, found[0])
        return None
    if answer.choice == OTHER:
        return Goto(PICK)
    if answer.choice == FRESH:
        return Goto(NEW)
    _typed_thought(ctx, answer, "beliefs/start_tap")
    return None


def start_options(ctx: Ctx) -> OptionRows:
    row = [Option(LAST, ctx.button("beliefs_this_one"))]
    if len(usable_thoughts(ctx)) > 1:
        row.append(Option(OTHER, ctx.button("beliefs_another")))
    return [row, [Option(FRESH, ctx.button("beliefs_new_thought"))]]


def start_variables(ctx: Ctx) -> dict[str, Any]:
    found = usable_thoughts(ctx)
    return {**position(ctx, START), "quote": markup.quotable(found[0].data, "thought", QUOTE_CHARS) if found else None}


def read_pick(ctx: Ctx, answer: Answer) -> Goto | None:
    found = usable_thoughts(ctx)
    if answer.choice == FRESH:
        return Goto(NEW)
    said = answer.choice if answer.choice is not None else (answer.text or "").strip()
    if said.startswith("t:") and said[2:].isdigit():
        chosen = next((e for e in found if e.id == int(said[2:])), None)
        if chosen is None:  # a forged or stale id
            raise Invalid("beliefs/pick_tap")
        _take(ctx, chosen)
        return None
    if said.isdigit() and 1 <= int(said) <= len(found):  # its number, typed
        _take(ctx, found[int(said) - 1])
        return None
    _typed_thought(ctx, answer, "beliefs/pick_tap")
    return None


def pick_options(ctx: Ctx) -> OptionRows:
    numbered = [Option(f"t:{e.id}", str(i)) for i, e in enumerate(usable_thoughts(ctx), 1)]
    return [numbered, [Option(FRESH, ctx.button("beliefs_new_thought"))]]


def pick_variables(ctx: Ctx) -> dict[str, Any]:
    return {**position(ctx, PICK), "thoughts": [markup.quotable(e.data, "thought", PICK_CHARS) for e in usable_thoughts(ctx)]}


def read_new(ctx: Ctx, answer: Answer) -> None:
    _typed_thought(ctx, answer, "beliefs/new_tap")


# ---------------------------------------------------------------- the downward arrow


def _before(n: int) -> str:
    """The field the n-th question (0-based) asks about: the thought, then the last answer."""
    return "thought" if n == 0 else ARROWS[n - 1]


def read_arrow(n: int):
    def read(ctx: Ctx, answer: Answer) -> Goto | None:
        if answer.choice == ENOUGH:
            ctx.data["depth"] = n
            return Goto(NAME)
        if not answer.text:
            raise Invalid("beliefs/arrow_tap", n=n + 1)
        ctx.data[ARROWS[n]] = answer.text
        ctx.data["depth"] = n + 1
        return None

    return read


def arrow_variables(n: int):
    def variables(ctx: Ctx) -> dict[str, Any]:
        return {**position(ctx, ARROWS[n]), "number": n + 1, "of": len(ARROWS),
                "quote": markup.quotable(ctx.data, _before(n), QUOTE_CHARS)}

    return variables


def arrow_options(ctx: Ctx) -> OptionRows:
    return [[Option(ENOUGH, ctx.button("beliefs_enough"))]]


def arrow_steps() -> list[Step]:
    return [
        Step(field, "beliefs/arrow", read_arrow(n), ARROWS[n + 1] if n + 1 < len(ARROWS) else NAME,
             goes_to=(NAME,), fills=field, options=arrow_options, variables=arrow_variables(n))
        for n, field in enumerate(ARROWS)
    ]


# ----------------------------------------------------------------------- the belief


def _last_field(ctx: Ctx) -> str:
    """Where the arrow stopped: their last answer, or the thought if they stopped at once."""
    depth = ctx.data.get("depth", 0)
    return ARROWS[depth - 1] if depth else "thought"


def families(ctx: Ctx) -> list[Family]:
    return ctx.content.of(BeliefsContent).family


def read_name(ctx: Ctx, answer: Answer) -> Goto | None:
    choice = answer.choice
    if choice == WORDS and _last_field(ctx) not in ctx.hidden:
        ctx.data["belief"] = ctx.data.get(_last_field(ctx))
        return None
    if choice is not None and choice.startswith(f"{FAMILY}:"):
        family = next((f for f in families(ctx) if f.id == choice[2:]), None)
        if family is None:
            raise Invalid("beliefs/name_tap")
        ctx.data["family"] = None if ctx.data.get("family") == family.id else family.id  # help only: never recorded
        return Goto(NAME)
    if not answer.text:
        raise Invalid("beliefs/name_tap")
    ctx.data["belief"] = answer.text
    return None


def name_options(ctx: Ctx) -> OptionRows:
    rows: OptionRows = []
    if _last_field(ctx) not in ctx.hidden and ctx.data.get(_last_field(ctx)):
        rows.append([Option(WORDS, ctx.button("beliefs_my_words"))])
    shown_id = ctx.data.get("family")
    rows.append([Option(f"{FAMILY}:{f.id}", ("✓ " if f.id == shown_id else "") + f.name) for f in families(ctx)])
    return rows


def name_variables(ctx: Ctx) -> dict[str, Any]:
    family = next((f for f in families(ctx) if f.id == ctx.data.get("family")), None)
    return {**position(ctx, NAME), "quote": markup.quotable(ctx.data, _last_field(ctx), NAME_QUOTE_CHARS), "family": family}


def belief_variables(step: str, field: str = "belief"):
    def variables(ctx: Ctx) -> dict[str, Any]:
        return {**position(ctx, step), "quote": markup.quotable(ctx.data, field, QUOTE_CHARS)}

    return variables


def read_rating(field: str):
    def read(ctx: Ctx, answer: Answer) -> None:
        ctx.data[field] = scales.read(answer, 100)

    return read


read_evidence = written_or_skipped("evidence", "beliefs/evidence_tap", SKIP)


def read_balanced(ctx: Ctx, answer: Answer) -> None:
    if not answer.text:
        raise Invalid("beliefs/balanced_tap")
    ctx.data["balanced"] = answer.text


def after_balanced_rate(ctx: Ctx) -> str | None:
    return LOG if ctx.data.get("offer_log") else None


# -------------------------------------------------------------- the daily note, offered


def log_time(ctx: Ctx) -> str:
    return ctx.settings.reminder or DEFAULT_LOG_TIME


def read_log(ctx: Ctx, answer: Answer) -> None:
    if answer.choice == NO or (answer.text or "").strip().casefold() in NO_WORDS:
        return
    said = (answer.text or "").strip().casefold()
    at = log_time(ctx) if answer.choice == YES or said in YES_WORDS else places.parse_time(said)
    if at is None:
        raise Invalid("beliefs/log_tap")
    ctx.settings.belief_log = at  # the after-update hook schedules its first nudge
    ctx.data["log_on"] = True


def log_options(ctx: Ctx) -> OptionRows:
    return [[Option(YES, ctx.button("beliefs_log_yes", time=log_time(ctx))), Option(NO, ctx.button("beliefs_log_no"))]]


# ------------------------------------------------------------------- a breather


def read_breather(ctx: Ctx, answer: Answer) -> Goto:
    if answer.choice == BACK:
        return Goto(ctx.data.get("paused_at") or NEW)
    if answer.choice in (CHECKIN, STOP):
        ctx.data["stopped"] = True
        ctx.data["then"] = CHECKIN_FLOW if answer.choice == CHECKIN else None
        return Goto(None)
    raise Invalid("beliefs/breather_tap")


def breather_options(ctx: Ctx) -> OptionRows:
    return [
        [Option(CHECKIN, ctx.button("beliefs_checkin"))],
        [Option(BACK, ctx.button("beliefs_back")), Option(STOP, ctx.button("beliefs_stop"))],
    ]


def gentle(step: Step) -> Step:
    """The step with [Take a breather] under its question, read before anything else."""
    parse, options = step.parse, step.options

    def read(ctx: Ctx, answer: Answer):
        if answer.choice == BREATHE:
            ctx.data["paused_at"] = step.name
            return Goto(BREATHER)
        return parse(ctx, answer)

    def offered(ctx: Ctx) -> OptionRows:
        return [*options(ctx), [Option(BREATHE, ctx.button("beliefs_breather"))]]

    return replace(step, parse=read, options=offered, goes_to=(*step.goes_to, BREATHER))


# -------------------------------------------------------------------------- the end


def entry_data(ctx: Ctx) -> dict[str, Any]:
    d = ctx.data
    return {
        "source": d.get("source"),  # "thought" (a thought record's, `thought_id`) or "new"
        "thought_id": d.get("thought_id"),
        "thought": d.get("thought"),
        **{field: d.get(field) for field in ARROWS},
        "belief": d.get("belief"),
        "belief_rating": d.get("belief_rating"),
        "evidence": d.get("evidence"),
        "balanced": d.get("balanced"),
        "balanced_rating": d.get("balanced_rating"),
        "log": bool(d.get("log_on")),
        "hidden": sorted(ctx.hidden),
    }


def summary_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The worksheet as its summary card shows it: each answer cut to fit one phone screen."""
    limits = {"thought": 60, "belief": 70, "evidence": 70, "balanced": 70}
    return {**data, **{field: markup.quotable(data, field, limit) for field, limit in limits.items()}}


def finish(ctx: Ctx) -> list[Reply]:
    if ctx.data.get("stopped"):
        return [Reply(ctx.render("beliefs/paused", checkin=bool(ctx.data.get("then"))))]
    data = entry_data(ctx)
    if ctx.risk & ENDS:
        ctx.record(KIND, {**data, "ended_for_safety": True})
        hurt = "harm_from_others" in ctx.risk
        return [Reply(ctx.render("beliefs/kind_end", kept=ctx.keeps, hurt=hurt, abuse=safety.abuse_line_if_hurt(ctx)))]
    ctx.record(KIND, data)
    return [
        Reply(ctx.render("beliefs/summary", d=summary_fields(data))),
        Reply(ctx.render("beliefs/saved", kept=ctx.keeps, depth=ctx.data.get("depth", 0), log=ctx.settings.belief_log),
              next_steps.rows(next_steps.go(ctx, "checkin"), next_steps.go(ctx, "thought"))),
    ]


def cancelled(ctx: Ctx) -> list[Reply]:
    return [Reply(ctx.render("beliefs/cancelled"))]


STEPS = [
    *(
        gentle(step)
        for step in [
            Step(START, "beliefs/start", read_start, ARROWS[0], goes_to=(PICK, NEW), fills="thought",
                 options=start_options, variables=start_variables),
            Step(PICK, "beliefs/pick", read_pick, ARROWS[0], goes_to=(NEW,), fills="thought",
                 options=pick_options, variables=pick_variables),
            Step(NEW, "beliefs/new", read_new, ARROWS[0], fills="thought", variables=lambda ctx: position(ctx, NEW)),
            *arrow_steps(),
            Step(NAME, "beliefs/name", read_name, RATE, goes_to=(NAME,), fills="belief", options=name_options,
                 variables=name_variables, in_place=True, max_chars=BELIEF_CHARS),
            Step(RATE, "beliefs/rate", read_rating("belief_rating"), EVIDENCE, options=lambda ctx: scales.options(100),
                 variables=belief_variables(RATE)),
            Step(EVIDENCE, "beliefs/evidence", read_evidence, BALANCED, fills="evidence",
                 options=lambda ctx: [[Option(SKIP, ctx.button("skip"))]], variables=belief_variables(EVIDENCE)),
            Step(BALANCED, "beliefs/balanced", read_balanced, BALANCED_RATE, fills="balanced",
                 variables=belief_variables(BALANCED), max_chars=BELIEF_CHARS),
            Step(BALANCED_RATE, "beliefs/balanced_rate", read_rating("balanced_rating"), after_balanced_rate,
                 goes_to=(LOG, None), options=lambda ctx: scales.options(100),
                 variables=belief_variables(BALANCED_RATE, "balanced")),
            Step(LOG, "beliefs/log", read_log, None, options=log_options, variables=lambda ctx: position(ctx, LOG),
                 max_chars=40),
        ]
    ),
    Step(BREATHER, "beliefs/breather", read_breather, None, options=breather_options, max_chars=40,
         goes_to=(START, PICK, NEW, *ARROWS, NAME, RATE, EVIDENCE, BALANCED, BALANCED_RATE, LOG)),
]

WORKSHEET = Flow.of(
    FLOW,
    FLOW,
    STEPS,
    begin,
    finish,
    needs_history=True,
    cancelled=cancelled,
    ends_on_risk=ENDS,
    starts=(START, NEW),
    then=lambda ctx: ctx.data.get("then"),
)
