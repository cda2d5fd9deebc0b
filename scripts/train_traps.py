"""Train the thinking-trap ranker from the labelled thoughts, and write it to content/practices/traps/.

    python3 dev.py train-traps            # train, print the out-of-fold figures, write the model
    python3 dev.py train-traps --held-out # also score the held-out set (only when measuring)

Data: tests/data/traps/bank/*.jsonl, thoughts written blind (the writers never saw the cue
words, the model or each other's lines), each labelled with the one trap a therapist would
name first ("trap") and any others present ("also"), or "none". tests/data/traps/heldout/ is
never trained on.

Model: the risk screen's hashed character 3-5-grams and word 1-2-grams
(`risk_model.features`), one multinomial logistic regression over the traps and "none".
Out-of-fold figures come from FOLDS folds by a hash of the text (each writer wrote in one or
two languages, so holding a whole writer out would leave a language unseen); the held-out set,
by other writers, is the honest figure. `match_at` is the lowest top probability at which, out of fold, the suggested four
hold the writer's trap for at least MATCH_PRECISION of the thoughts it calls matched.
The same data always gives the same files (fixed order, deterministic solver, no dates).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.lib.risk_model import features  # noqa: E402
from flows.lib.traps import NO_TRAP, TrapRanker  # noqa: E402
from flows.practices.thought import DEFAULT_ORDER  # noqa: E402

DATA = ROOT / "tests" / "data" / "traps"
OUT = ROOT / "content" / "practices" / "traps"
BITS = 17
FOLDS = 5
C = 8.0
SUGGESTED = 4
MATCH_PRECISION = 0.90
LABELS = (*DEFAULT_ORDER, NO_TRAP)


def read(folder: str) -> list[dict]:
    rows, seen = [], set()
    for path in sorted((DATA / folder).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row["trap"] not in LABELS:
                raise ValueError(f"{path}: unknown trap {row['trap']!r}")
            key = row["text"].strip().casefold()
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return rows


def held_out(bank: list[dict]) -> list[dict]:
    """The held-out thoughts, less any a bank writer also happened to write ("tired")."""
    seen = {r["text"].strip().casefold() for r in bank}
    return [r for r in read("heldout") if r["text"].strip().casefold() not in seen]


def data_sha256(rows: list[dict]) -> str:
    return hashlib.sha256("\n".join(f"{r['text']}\t{r['trap']}" for r in rows).encode()).hexdigest()


def matrix(texts: list[str]) -> sparse.csr_matrix:
    indptr, indices, values = [0], [], []
    for text in texts:
        columns = features(text, BITS)
        indices.append(columns)
        values.append(np.full(len(columns), 1.0 / np.sqrt(max(len(columns), 1))))
        indptr.append(indptr[-1] + len(columns))
    return sparse.csr_matrix((np.concatenate(values), np.concatenate(indices), np.array(indptr)), shape=(len(texts), 2**BITS))


def fit(x: sparse.csr_matrix, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    model = LogisticRegression(C=C, solver="lbfgs", max_iter=2000, random_state=0)
    model.fit(x, y)
    weights = np.zeros((2**BITS, len(LABELS)), dtype=np.float32)
    bias = np.full(len(LABELS), -10.0, dtype=np.float32)
    for j, label in enumerate(model.classes_):
        weights[:, label] = model.coef_[j]
        bias[label] = model.intercept_[j]
    return weights, bias


def card_for(bias: np.ndarray, match_at: float) -> dict:
    return {"bits": BITS, "labels": list(LABELS), "bias": [round(float(b), 6) for b in bias],
            "match_at": match_at, "fallback_order": list(DEFAULT_ORDER)}


def figures(ranker: TrapRanker, rows: list[dict]) -> dict:
    """Top-1 and top-4 on the thoughts that have a trap, overall and when matched; how often
    a thought is matched; and how often a thought with no trap is matched anyway."""
    trapped = [r for r in rows if r["trap"] != NO_TRAP]
    ranks = [ranker.rank(r["text"]) for r in trapped]
    hit4 = [r["trap"] in k.traps[:SUGGESTED] for r, k in zip(trapped, ranks)]
    hit1 = [r["trap"] == k.traps[0] for r, k in zip(trapped, ranks)]
    matched = [k.matched for k in ranks]
    none_rows = [r for r in rows if r["trap"] == NO_TRAP]
    return {
        "thoughts_with_a_trap": len(trapped),
        "top4": round(float(np.mean(hit4)), 3),
        "top1": round(float(np.mean(hit1)), 3),
        "matched": round(float(np.mean(matched)), 3),
        "top4_when_matched": round(float(np.mean([h for h, m in zip(hit4, matched) if m])) if any(matched) else 0.0, 3),
        "no_trap_matched": round(float(np.mean([ranker.rank(r["text"]).matched for r in none_rows])), 3) if none_rows else None,
        "top4_by_trap": {
            t: round(float(np.mean([h for r, h in zip(trapped, hit4) if r["trap"] == t])), 3)
            for t in DEFAULT_ORDER if any(r["trap"] == t for r in trapped)
        },
        "top4_by_language": {
            lang: round(float(np.mean([h for r, h in zip(trapped, hit4) if r.get("lang") == lang])), 3)
            for lang in sorted({r.get("lang", "?") for r in trapped})
        },
    }


def out_of_fold(rows: list[dict]) -> tuple[np.ndarray, list[str]]:
    """Each row's probabilities from a model that never read it."""
    y = np.array([LABELS.index(r["trap"]) for r in rows])
    writers = sorted({r["writer"] for r in rows})
    folds = np.array([int(hashlib.sha256(r["text"].encode()).hexdigest(), 16) % FOLDS for r in rows])
    probs = np.zeros((len(rows), len(LABELS)))
    for k in range(FOLDS):
        held = folds == k
        x = matrix([r["text"] for r, h in zip(rows, held) if not h])
        weights, bias = fit(x, y[~held])
        ranker = TrapRanker(weights, bias, card_for(bias, 0.0))
        for i in np.flatnonzero(held):
            p = ranker.probabilities(rows[i]["text"])
            probs[i] = [p.get(label, 0.0) for label in LABELS] if p else 0.0
    return probs, writers


def choose_match_at(rows: list[dict], probs: np.ndarray) -> float:
    trap_rows = np.array([r["trap"] != NO_TRAP for r in rows])
    y = np.array([LABELS.index(r["trap"]) for r in rows])
    traps_only = probs[:, : len(DEFAULT_ORDER)]
    top = traps_only.max(axis=1)
    order = np.argsort(-traps_only, axis=1)[:, :SUGGESTED]
    hit4 = np.array([y[i] in order[i] for i in range(len(rows))])
    for t in np.round(np.arange(0.05, 0.95, 0.01), 2):
        matched = (top >= t) & (top > probs[:, LABELS.index(NO_TRAP)]) & trap_rows
        if matched.any() and hit4[matched].mean() >= MATCH_PRECISION:
            return float(t)
    return 0.95


def main(argv: list[str]) -> int:
    rows = read("bank")
    probs, writers = out_of_fold(rows)
    match_at = choose_match_at(rows, probs)
    # Out-of-fold figures, with the chosen match_at: rank each row as the bot would.
    y = np.array([LABELS.index(r["trap"]) for r in rows])
    trapped = y != LABELS.index(NO_TRAP)
    traps_only = probs[:, : len(DEFAULT_ORDER)]
    order = np.argsort(-traps_only, axis=1)
    top = traps_only.max(axis=1)
    matched = (top >= match_at) & (top > probs[:, LABELS.index(NO_TRAP)])
    fallback = np.array([LABELS.index(t) for t in DEFAULT_ORDER])
    shown = np.where(matched[:, None], order, fallback[None, :])
    hit4 = np.array([y[i] in shown[i, :SUGGESTED] for i in range(len(rows))])
    hit1 = shown[:, 0] == y
    oof = {
        "note": f"{FOLDS} folds by a hash of the text",
        "writers": writers,
        "top4": round(float(hit4[trapped].mean()), 3),
        "top1": round(float(hit1[trapped].mean()), 3),
        "matched": round(float(matched[trapped].mean()), 3),
        "top4_when_matched": round(float(hit4[trapped & matched].mean()), 3),
        "no_trap_matched": round(float(matched[~trapped].mean()), 3),
        "always_the_commonest_four": round(float(np.isin(y[trapped], fallback[:SUGGESTED]).mean()), 3),
    }
    weights, bias = fit(matrix([r["text"] for r in rows]), y)
    card = card_for(bias, match_at)
    card["training"] = {
        "files": [str(p.relative_to(ROOT)) for p in sorted((DATA / "bank").glob("*.jsonl"))],
        "rows": len(rows),
        "by_language": {lang: sum(1 for r in rows if r.get("lang") == lang) for lang in sorted({r.get("lang", "?") for r in rows})},
        "data_sha256": data_sha256(rows),
        "C": C,
    }
    card["out_of_fold"] = oof
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(OUT / "weights.npy", weights.astype(np.float16), allow_pickle=False)
    (OUT / "model.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report = {"match_at": match_at, "out_of_fold": oof}
    if "--held-out" in argv:
        report["held_out"] = figures(TrapRanker.load(OUT), held_out(rows))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
