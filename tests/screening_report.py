"""How well risk screening does on the labelled sets: recall, false alarms, per-kind recall.

    .venv/bin/python -m tests.screening_report                   # the tuning sets
    .venv/bin/python -m tests.screening_report tuning3           # one set only
    .venv/bin/python -m tests.screening_report tests/data/screening/tuning3/de.jsonl
    .venv/bin/python -m tests.screening_report held-out          # held-out: only when measuring
    .venv/bin/python -m tests.screening_report levels bank       # the three-level screen (patterns, model, context)
    .venv/bin/python -m tests.screening_report patterns-only bank   # the patterns alone, same figures
    .venv/bin/python -m tests.screening_report levels heldout5   # held-out 5: only when measuring
    .venv/bin/python -m tests.screening_report patterns-only bank --lines   # misses and false alarms, for review

Each set is a JSON-lines file in tests/data/screening/: {"text", "lang", "kinds"}; an empty
"kinds" marks a hard negative (an idiom, another topic, a negation) that must not fire.
- recall: the share of risk lines on which screen() returns anything at all;
- false-alarm rate: the share of negatives on which screen() returns anything;
- per-kind recall: for each kind, the share of lines labelled with it where screen()
  returns that kind.
tuning.jsonl is the set the patterns were tuned on; heldout.jsonl was written by someone
else and is never used for tuning.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from flows.lib.screening import KINDS, Screener

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = ROOT / "content" / "screening"
DATA = ROOT / "tests" / "data" / "screening"
SETS = {
    "tuning": DATA / "tuning.jsonl",
    "tuning 2": DATA / "tuning2.jsonl",  # written blind to the patterns, then tuned on too
    "tuning 3": DATA / "tuning3",  # one file per language, written blind by new writers, then tuned on
    "held-out": DATA / "heldout.jsonl",
}
TARGET_RECALL = 0.97
TARGET_FALSE_ALARMS = 0.05


def read_set(path: Path) -> list[dict]:
    """The rows of a JSON-lines file, or of every *.jsonl file in a directory."""
    if path.is_dir():
        return [row for part in sorted(path.glob("*.jsonl")) for row in read_set(part)]
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if not isinstance(row.get("text"), str) or not isinstance(row.get("kinds"), list):
                raise ValueError(f"{path}:{number}: needs 'text' and a 'kinds' list")
            rows.append(row)
    return rows


@dataclass
class Figures:
    risk: int = 0
    caught: int = 0
    negatives: int = 0
    alarms: int = 0
    per_kind: dict[str, list[int]] = field(default_factory=lambda: {k: [0, 0] for k in KINDS})  # [found, labelled]
    # Never in repr: a failing assertion must not print the held-out set's lines.
    missed: list[dict] = field(default_factory=list, repr=False)
    false_alarms: list[dict] = field(default_factory=list, repr=False)

    @property
    def recall(self) -> float:
        return self.caught / self.risk if self.risk else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.alarms / self.negatives if self.negatives else 0.0

    def kind_recall(self, kind: str) -> float | None:
        found, labelled = self.per_kind[kind]
        return found / labelled if labelled else None


def evaluate(screener: Screener, rows: list[dict]) -> Figures:
    f = Figures()
    for row in rows:
        got = screener.screen(row["text"])
        expected = set(row["kinds"])
        if expected:
            f.risk += 1
            if got:
                f.caught += 1
            else:
                f.missed.append(row)
            for kind in expected:
                f.per_kind[kind][1] += 1
                f.per_kind[kind][0] += kind in got
        else:
            f.negatives += 1
            if got:
                f.alarms += 1
                f.false_alarms.append({**row, "got": sorted(got)})
    return f


def describe(name: str, f: Figures) -> str:
    lines = [
        f"{name}: {f.risk} risk lines, {f.negatives} negatives",
        f"  recall            {f.recall:.3f}  ({f.caught}/{f.risk})   target >= {TARGET_RECALL}",
        f"  false-alarm rate  {f.false_alarm_rate:.3f}  ({f.alarms}/{f.negatives})   target <= {TARGET_FALSE_ALARMS}",
        "  per-kind recall   " + ", ".join(
            f"{k} {f.kind_recall(k):.2f} ({f.per_kind[k][0]}/{f.per_kind[k][1]})"
            for k in KINDS if f.kind_recall(k) is not None
        ),
    ]
    return "\n".join(lines)


# --- the three-level screen (patterns, model, context) ------------------------------------

LANGUAGES = ("en", "es", "de", "fr")
URGENT = {"plan", "act"}
TARGETS = {  # issue 14, on blind data never tuned on
    "caught": 0.95, "caught_urgent": 0.95, "caught_per_language": 0.90, "respond": 0.85,
    "ordinary_respond": 0.005, "ordinary_ask": 0.03, "hard_respond": 0.05, "hard_ask": 0.20,
}


def kind_of_row(row: dict) -> str:
    """risk | age | ordinary | hard (older sets have no "set": their negatives are hard)."""
    kinds = set(row["kinds"])
    if kinds - {"under_18"}:
        return "risk"
    if kinds:
        return "age"
    return row.get("set") if row.get("set") in ("ordinary", "hard") else "hard"


@dataclass
class Rates:
    n: int = 0
    hits: int = 0

    def add(self, hit: bool) -> None:
        self.n += 1
        self.hits += hit

    @property
    def rate(self) -> float:
        return self.hits / self.n if self.n else 0.0

    def __str__(self) -> str:
        return f"{self.rate:.3f} ({self.hits}/{self.n})"


@dataclass
class Levels:
    """Figures for the three-level screen on one set. Never holds lines (held-out is measured
    here too)."""

    caught: Rates = field(default_factory=Rates)  # risk lines: respond or ask
    respond: Rates = field(default_factory=Rates)  # risk lines: the full response
    caught_urgent: Rates = field(default_factory=Rates)  # plan, means, time or act
    caught_long: Rates = field(default_factory=Rates)  # risk lines of 300+ characters
    by_language: dict[str, Rates] = field(default_factory=lambda: {lang: Rates() for lang in LANGUAGES})
    by_kind: dict[str, Rates] = field(default_factory=dict)
    by_why: dict[str, int] = field(default_factory=dict)
    ordinary_ask: Rates = field(default_factory=Rates)
    ordinary_respond: Rates = field(default_factory=Rates)
    hard_ask: Rates = field(default_factory=Rates)
    hard_respond: Rates = field(default_factory=Rates)
    context_risky: Rates = field(default_factory=Rates)  # follow-ups after a response: respond
    context_safe: Rates = field(default_factory=Rates)  # safe follow-ups that got the response

    def misses_targets(self) -> list[str]:
        checks = {
            "caught": self.caught.rate >= TARGETS["caught"],
            "caught_urgent": self.caught_urgent.rate >= TARGETS["caught_urgent"],
            "respond": self.respond.rate >= TARGETS["respond"],
            "ordinary_respond": self.ordinary_respond.rate <= TARGETS["ordinary_respond"],
            "ordinary_ask": self.ordinary_ask.rate <= TARGETS["ordinary_ask"],
            "hard_respond": self.hard_respond.rate <= TARGETS["hard_respond"],
            "hard_ask": self.hard_ask.rate <= TARGETS["hard_ask"],
        }
        checks |= {
            f"caught[{lang}]": r.rate >= TARGETS["caught_per_language"] for lang, r in self.by_language.items() if r.n
        }
        return [name for name, ok in checks.items() if not ok]


def measure(screen, rows: list[dict], patterns_only: bool = False) -> Levels:
    """Screen every row as the bot would; follow-ups ("context": "after_risk") are read
    in the light of an earlier full response for suicidal thoughts."""
    from flows.lib.risk_screen import RESPOND, Context, Finding

    f = Levels()
    for row in rows:
        text, kind = row["text"], kind_of_row(row)
        if row.get("context"):
            got = screen.screen(text, Context(recent=frozenset({"suicidal"})))
            (f.context_risky if kind == "risk" else f.context_safe).add(got.level == RESPOND)
            continue
        if patterns_only:
            kinds = screen.patterns.screen(text) - {"under_18"}
            got = Finding(RESPOND, kinds, "pattern") if kinds else Finding()
        else:
            got = screen.screen(text)
        if kind == "risk":
            caught = got.level != "none"
            f.caught.add(caught)
            f.respond.add(got.level == RESPOND)
            if caught:
                f.by_why[got.why] = f.by_why.get(got.why, 0) + 1
            if set(row["kinds"]) & URGENT:
                f.caught_urgent.add(caught)
            if len(text) >= 300:
                f.caught_long.add(caught)
            if row.get("lang") in f.by_language:
                f.by_language[row["lang"]].add(caught)
            for k in row["kinds"]:
                f.by_kind.setdefault(k, Rates()).add(caught)
        elif kind in ("ordinary", "hard"):
            getattr(f, f"{kind}_ask").add(got.level == "ask")
            getattr(f, f"{kind}_respond").add(got.level == RESPOND)
    return f


def describe_levels(name: str, f: Levels) -> str:
    lines = [
        f"{name}",
        f"  risk caught (respond or ask) {f.caught}   full response {f.respond}",
        f"  plan/means/time/act caught   {f.caught_urgent}   long (300+ chars) caught {f.caught_long}",
        "  caught by language           " + ", ".join(f"{lang} {r}" for lang, r in f.by_language.items() if r.n),
        "  caught by kind               " + ", ".join(f"{k} {r}" for k, r in sorted(f.by_kind.items())),
        "  caught by                    " + ", ".join(f"{k} {v}" for k, v in sorted(f.by_why.items())),
        f"  ordinary answers: ask {f.ordinary_ask}, respond {f.ordinary_respond}",
        f"  hard negatives:   ask {f.hard_ask}, respond {f.hard_respond}",
    ]
    if f.context_risky.n or f.context_safe.n:
        lines.append(f"  follow-ups after a response: risky answered {f.context_risky}, safe answered {f.context_safe}")
    missed = f.misses_targets()
    lines.append("  targets: " + ("all met" if not missed else "not met: " + ", ".join(missed)))
    return "\n".join(lines)


def training_texts() -> set[str]:
    """Every text the model was trained on (scripts/train_screening.py), casefolded."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import train_screening

    return {r["text"].strip().casefold() for r in train_screening.read_rows()}


LEVEL_SETS = {
    "bank": DATA / "bank",  # written blind to patterns and model; the model is trained on it
    # Held-out 2, 3 and 4 were retired into the bank once their figures were reported.
    "held-out 5": DATA / "heldout5",  # never seen by any writer of patterns or model; written after held-out 4 was scored
}


def show_lines(screen, rows: list[dict], patterns_only: bool) -> None:
    """Each risk line missed and each negative answered in full, for a clinician's review.
    Never for a held-out set (its lines are for measuring only)."""
    for row in rows:
        if row.get("context"):
            continue
        kind = kind_of_row(row)
        if patterns_only:
            found = screen.patterns.screen(row["text"]) - {"under_18"}
            level = "respond" if found else "none"
        else:
            level = screen.screen(row["text"]).level
        if (kind == "risk" and level == "none") or (kind in ("ordinary", "hard") and level == "respond"):
            label = "MISSED" if kind == "risk" else f"ALARM ({kind})"
            print(f"{label}\t{row.get('writer', '')}\t{row['text']}")


def level_set(name: str) -> Path | None:
    """A named set, or a writer's own file or folder."""
    path = LEVEL_SETS.get(name) or LEVEL_SETS.get(re.sub(r"^heldout(\d)$", r"held-out \1", name)) or SETS.get(name)
    if path is None and Path(name).exists():
        path = Path(name)
    return path


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("levels", "patterns-only"):
        return patterns_main(argv)
    from flows.lib.content import Content

    patterns_only, lines = argv[0] == "patterns-only", "--lines" in argv
    names = [a for a in argv[1:] if a != "--lines"] or ["bank"]
    paths = [level_set(name) for name in names]
    if None in paths:
        print(f"unknown set {names[paths.index(None)]!r}; choose from {', '.join([*LEVEL_SETS, *SETS])}")
        return 2
    held_out = ["heldout" in str(path) for path in paths]
    if lines and any(held_out):
        print("held-out lines are never shown: they are for measuring only")
        return 2
    screen = Content().risk_screen
    for name, path, is_held_out in zip(names, paths, held_out):
        rows = read_set(path)
        if lines:
            show_lines(screen, rows, patterns_only)
            continue
        if is_held_out:  # never score a held-out line that is also a training line
            seen = training_texts()
            kept = [r for r in rows if r["text"].strip().casefold() not in seen]
            print(f"{name}: {len(rows) - len(kept)} lines also in the training data left out")
            rows = kept
        print(describe_levels(f"{name} ({argv[0]})", measure(screen, rows, patterns_only)))
    return 0


def patterns_main(argv: list[str]) -> int:
    screener = Screener.load(PATTERNS)
    wanted = argv or [name for name in SETS if name != "held-out"]  # held-out only when named
    ok = True
    for name in wanted:
        path = SETS.get(name) or SETS.get(name.replace("heldout", "held-out")) or SETS.get(name.replace("tuning", "tuning ", 1))
        if path is None and name.endswith(".jsonl") and Path(name).is_file():
            path = Path(name)  # one file, e.g. a writer's own language
        if path is None:
            print(f"unknown set {name!r}; choose from {', '.join(SETS)}")
            return 2
        f = evaluate(screener, read_set(path))
        print(describe(name, f))
        ok &= f.recall >= TARGET_RECALL and f.false_alarm_rate <= TARGET_FALSE_ALARMS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
