"""How well risk screening does on the labelled sets: recall, false alarms, per-kind recall.

    .venv/bin/python -m tests.screening_report                   # the tuning sets
    .venv/bin/python -m tests.screening_report tuning3           # one set only
    .venv/bin/python -m tests.screening_report tests/data/screening/tuning3/de.jsonl
    .venv/bin/python -m tests.screening_report held-out          # held-out: only when measuring

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
import sys
from dataclasses import dataclass, field
from pathlib import Path

from flows.screening import KINDS, Screener

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


def main(argv: list[str]) -> int:
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
