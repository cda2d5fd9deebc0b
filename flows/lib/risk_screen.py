"""Risk screening in three levels: respond, ask or none, and why.

Every free text passes `RiskScreen.screen` before any flow sees it. Three readers, in order:

1. **Patterns** (flows/lib/screening.py, content/screening/<lang>.toml): reviewable, precise.
   A match is *respond* (the full response), `why` "pattern", or *ask* for a group of level
   "ask" (words that are often everyday: "I'm a burden at work", "I can't go on like this
   at work"), unless the model or context says more — unless the model strongly
   doubts it: risk words told of the past, of someone else, in a joke or a game are then
   asked about instead. Doubt is its risk score below "doubt", or its second opinion on
   pattern matches ("confirm") below "confirm_doubt"; for a match naming a plan, means,
   time or act, only "confirm" below the much lower "confirm_doubt_plan".
2. **The model** (flows/lib/risk_model.py, content/screening/model/): learned from labelled
   lines; it generalises to wording nobody wrote a pattern for, but it is only probable.
   Above its "respond" threshold: *respond*; above its "ask" threshold: *ask* (a one-tap
   question: "Are you having thoughts of ending your life ...?"), or *respond* when it is
   very sure the words name a plan, means, time or act; `why` "model".
3. **Context** (content/screening/context/cues.toml): for 24 hours after a full response, a
   farewell, a time, a means, "do it" or "there's no one" is *respond*, and so is anything
   the model would only ask about; `why` "context". Words of reassurance ("I gave the pills
   to my flatmate", "I'm at my mum's tonight") keep a time or a means from counting; a
   farewell, "do it" or an act still counts.

"act" (something already done or under way: an overdose taken, "the engine is running") is
added to the kinds when the act cues or the model's act head say so, so that the response
puts the emergency number first without conditions.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from flows.lib.risk_model import RiskModel, Scores
from flows.lib.screening import PLAN_IMPLIES, Screener, ScreeningError, normalise

RESPOND, ASK, NONE = "respond", "ask", "none"
CUE_KINDS = ("farewell", "time", "means", "do_it", "no_help", "no_one", "act", "reassured")
ALARMS = frozenset({"farewell", "time", "means", "do_it", "no_help", "no_one", "act"})  # read as alarms after a response
STILL_ALARMS = frozenset({"farewell", "do_it", "no_help", "act"})  # even beside reassurance
SUICIDE_KINDS = frozenset(PLAN_IMPLIES)  # the kinds a plan, a means or an act is for
AGE_ONLY = frozenset({"under_18"})
MODEL_MIN_WORDS = 3  # shorter answers ("the window", "a knife and fork") are the patterns' and context's to read
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Finding:
    """What screening found in one message."""

    level: str = NONE  # respond | ask | none
    kinds: frozenset[str] = frozenset()
    why: str | None = None  # pattern | model | context

    def as_json(self) -> dict:
        return {"level": self.level, "kinds": sorted(self.kinds), "why": self.why}


NOTHING = Finding()


@dataclass(frozen=True)
class Context:
    """What the screen should remember about this person just now."""

    recent: frozenset[str] | None = None  # kinds of a full response in the last 24 hours
    quiet_model: bool = False  # they said "No, I'm OK" to the question: don't ask again for now
    ask_is_respond: bool = False  # an unanswered question is open: a second probable signal responds


@dataclass
class Cues:
    """The context cues, compiled: kind -> one alternation."""

    patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Cues:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            grouped: dict[str, list[str]] = {}
            for i, cue in enumerate(raw.get("cue", [])):
                kind = cue.get("kind")
                if kind not in CUE_KINDS:
                    raise ScreeningError(f"{path}: cue[{i}].kind: expected one of {', '.join(CUE_KINDS)}")
                grouped.setdefault(kind, []).extend(cue.get("patterns", []))
            compiled = {kind: re.compile("|".join(f"(?:{p})" for p in pats)) for kind, pats in grouped.items()}
        except (OSError, tomllib.TOMLDecodeError, re.error) as exc:
            raise ScreeningError(f"{path}: {exc}") from None
        missing = set(CUE_KINDS) - set(compiled)
        if missing:
            raise ScreeningError(f"{path}: no cues of kind {', '.join(sorted(missing))}")
        return cls(compiled)

    def found(self, text: str) -> frozenset[str]:
        t = normalise(text)
        return frozenset(kind for kind, regex in self.patterns.items() if regex.search(t))


class RiskScreen:
    """Patterns, model and context together (see the module's docstring)."""

    def __init__(self, patterns: Screener, model: RiskModel, cues: Cues) -> None:
        self.patterns = patterns
        self.model = model
        self.cues = cues

    @classmethod
    def load(cls, directory: Path) -> RiskScreen:
        return cls(Screener.load(directory), RiskModel.load(directory / "model"), Cues.load(directory / "context" / "cues.toml"))

    def screen(self, text: str, context: Context = Context()) -> Finding:
        if not text or not text.strip():
            return NOTHING
        kinds, probable = self.patterns.split(text)
        cues = self.cues.found(text)
        if "act" in cues and not kinds - AGE_ONLY:  # something already done or under way, in words no risk pattern knew
            return Finding(RESPOND, kinds | {"suicidal", "plan", "act"}, "pattern")
        short = len(_WORDS.findall(text)) < MODEL_MIN_WORDS
        if short and not kinds - AGE_ONLY and not probable and context.recent is None:
            # Too few words for the model's level, and nothing found whose kinds it would
            # refine: it is not asked (a rating or a word, the commonest answers: half the cost).
            return Finding(RESPOND, kinds, "pattern") if kinds else NOTHING  # an age mention alone
        scores = self.model.score(text)
        if kinds - AGE_ONLY:
            kinds = self._with_act(kinds, scores, cues)
            doubted = self._doubted(kinds, scores)
            if doubted and context.recent is None and not context.quiet_model:
                # Risk words the model strongly doubts (a past long over, someone else's
                # crisis, a joke): asked about, not answered in full; [Yes] brings it all.
                # Never after "No, I'm OK" (the question is not asked again): then in full.
                return Finding(ASK, kinds, "pattern")
            return Finding(RESPOND, kinds, "pattern")
        model_kinds = scores.likely_kinds(self.model.kind_floor) | kinds | probable
        level, why = NONE, "model"
        if short:
            pass  # too little for the model to read reliably
        elif scores.risk >= self.model.respond_at:
            level = RESPOND
        elif scores.risk >= self.model.ask_at and scores.kinds.get("plan", 0.0) >= self.model.plan_respond_at:
            level = RESPOND  # probable, and very likely naming a plan, means, time or act
        elif scores.risk >= self.model.ask_at and not context.quiet_model:
            level = ASK
        if level == NONE and probable - AGE_ONLY and not context.quiet_model:
            level, why = ASK, "pattern"  # words that are often everyday: asked about
        alarms = cues & ALARMS
        if "reassured" in cues:  # safer now, help reached, means out of reach: not a new alarm
            alarms &= STILL_ALARMS
        if context.recent is not None and (alarms or (level == ASK and "reassured" not in cues)):
            return Finding(RESPOND, self._in_context(context.recent, model_kinds if level != NONE else frozenset(), cues, scores), "context")
        if level == ASK and context.ask_is_respond:
            return Finding(RESPOND, self._with_act(model_kinds, scores, cues), why)
        if level != NONE:
            return Finding(level, self._with_act(model_kinds, scores, cues), why)
        if kinds:  # an age mention alone
            return Finding(RESPOND, kinds, "pattern")
        return NOTHING

    def _doubted(self, kinds: frozenset[str], scores: Scores) -> bool:
        """Does the model strongly doubt a pattern's match? A match naming a plan, means,
        time or act only when its second opinion is all but sure it is not risk."""
        if kinds & {"plan", "act"}:
            return scores.confirm < self.model.confirm_doubt_plan
        return scores.risk < self.model.doubt or scores.confirm < self.model.confirm_doubt

    def _with_act(self, kinds: frozenset[str], scores: Scores, cues: frozenset[str]) -> frozenset[str]:
        """Something already done or under way: "act" (and "plan") join the kinds."""
        if not kinds & SUICIDE_KINDS:
            return kinds
        if "act" in cues or scores.kinds.get("act", 0.0) >= self.model.kind_floor:
            return kinds | {"plan", "act"}
        return kinds

    def _in_context(self, recent: frozenset[str], found: frozenset[str], cues: frozenset[str], scores: Scores) -> frozenset[str]:
        kinds = (recent | found) - {"act"}
        if not kinds - AGE_ONLY:
            kinds = kinds | {"suicidal"}
        if cues & (ALARMS - {"no_one"}) and kinds & SUICIDE_KINDS:
            kinds = kinds | {"plan"}
        return self._with_act(kinds, scores, cues)
