"""Train the learned risk screen from the labelled lines, and write it to content/screening/model/.

    python3 dev.py train-screening

The same data always gives the same files: rows are read in a fixed order, folds are
chosen by a hash of the text, the solver is deterministic and nothing is timestamped.

Training data: every *.jsonl under tests/data/screening except the held-out sets
(heldout.jsonl and every heldout*/ folder), which no writer of patterns or model may see, and
the activity labels /plan offers (ordinary answers by construction). A held-out set is
retired into the bank (moved there) once its figures have been reported.
Labels: "risk" is any kind but an age mention alone; one head per kind; "act" (something
already done) is learned only from lines whose writer labelled acts (those with a "set").

Thresholds come from out-of-fold scores on the training data (5 folds), scored exactly as
at run time (windows included). A fold holds whole writers: a new writer's phrasing is what a
held-out set tests, so the thresholds are chosen on writers the model has not read. "ask" is the lowest score at which at most ASK_ORDINARY of
ordinary practice answers and ASK_HARD of hard negatives would be asked; "respond" the
lowest at which at most RESPOND_ORDINARY and RESPOND_HARD would get the full response;
"doubt" the highest score under which a pattern match (one naming no plan) may be asked
about instead of answered in full, turning at most DOUBT_RISK of the risk the patterns catch
into a question (hard negatives told in risk words: history, others, jokes);
"confirm_doubt" and "confirm_doubt_plan" the same for the "confirm" head, a second opinion
learned only from the lines a pattern matched (CONFIRM_RISK and CONFIRM_RISK_PLAN of that
risk; the second for matches naming a plan, means, time or act); and a question the
model's plan head scores at PLAN_RESPOND or more gets the full response.
scikit-learn is a development dependency only; the bot scores the model with numpy.
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

from flows.lib.risk_model import HEADS, KIND_HEADS, RiskModel, features, windows  # noqa: E402
from flows.lib.screening import Screener, normalise  # noqa: E402

DATA = ROOT / "tests" / "data" / "screening"
OUT = ROOT / "content" / "screening" / "model"
HELD_OUT_PREFIX = "heldout"  # heldout.jsonl, heldout4/, heldout5/ ...: never trained on
BITS = 18
C = 32.0
FOLDS = 5
ASK_ORDINARY, ASK_HARD = 0.03, 0.12
RESPOND_ORDINARY, RESPOND_HARD = 0.003, 0.02
KIND_FLOOR = 0.5
DOUBT_RISK = 0.02
PLAN_RESPOND = 0.9  # a question the model is this sure names a plan, means, time or act: the full response
CONFIRM_RISK = 0.01  # share of the risk patterns catch that "confirm" may turn into a question
CONFIRM_RISK_PLAN = 0.002  # the same, for matches naming a plan, means, time or act
RISK_KINDS = {"suicidal", "self_harm", "harm_from_others", "harm_to_others", "plan", "act"}
CONFIRM = HEADS.index("confirm")


def training_files() -> list[Path]:
    files = []
    for path in sorted(DATA.rglob("*.jsonl")):
        parts = path.relative_to(DATA).parts
        if parts[0].startswith(HELD_OUT_PREFIX):
            continue
        files.append(path)
    return files


def read_rows() -> list[dict]:
    rows, seen = [], set()
    for path in training_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("context") and row["kinds"]:
                # A risky follow-up ("goodbye") is risk only after a disclosure: the context
                # cues' job, not the model's. A safe one ("I gave the pills to my flatmate")
                # is ordinary anywhere, and teaches the model so.
                continue
            key = row["text"].strip().casefold()
            if key in seen:
                continue
            seen.add(key)
            rows.append(row)
    for row in product_answers():
        if row["text"].strip().casefold() not in seen:
            seen.add(row["text"].strip().casefold())
            rows.append(row)
    return rows


def product_answers() -> list[dict]:
    """The activity labels /plan offers: answers people give, ordinary by construction."""
    import tomllib

    raw = tomllib.loads((ROOT / "content" / "practices" / "activities.toml").read_text(encoding="utf-8"))
    return [
        {"text": a["label"], "lang": "en", "kinds": [], "set": "ordinary", "writer": "content"}
        for a in raw.get("activity", [])
    ]


def data_sha256(rows: list[dict]) -> str:
    """What the model was trained on, in one hash: a test checks the shipped model's card
    against the data in the repository, so data never change without a retrained model."""
    return hashlib.sha256("\n".join(f"{r['text']}\t{sorted(r['kinds'])}" for r in rows).encode()).hexdigest()


def labels(rows: list[dict], matched: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(labels, weights): one column per head; weight 0 where a row says nothing of a head.
    The "confirm" head learns risk only from the rows a pattern matched (`matched`)."""
    y = np.zeros((len(rows), len(HEADS)), dtype=np.int8)
    w = np.ones((len(rows), len(HEADS)), dtype=np.float64)
    for i, row in enumerate(rows):
        kinds = set(row["kinds"])
        y[i, 0] = y[i, CONFIRM] = bool(kinds & RISK_KINDS)
        for j, head in enumerate(KIND_HEADS, 1):
            y[i, j] = head in kinds
        if "set" not in row:  # older sets labelled no acts
            w[i, HEADS.index("act")] = 0.0
        if not matched[i]:
            w[i, CONFIRM] = 0.0
    return y, w


def matrix(texts: list[str]) -> sparse.csr_matrix:
    indptr, indices, values = [0], [], []
    for text in texts:
        columns = features(text, BITS)
        indices.append(columns)
        values.append(np.full(len(columns), 1.0 / np.sqrt(max(len(columns), 1))))
        indptr.append(indptr[-1] + len(columns))
    return sparse.csr_matrix(
        (np.concatenate(values), np.concatenate(indices), np.array(indptr)), shape=(len(texts), 2**BITS)
    )


def log_count_ratio(x: sparse.csr_matrix, y: np.ndarray) -> np.ndarray:
    """Naive-Bayes log-count ratios per column (NBSVM, Wang & Manning 2012): columns that
    tell the classes apart weigh more before the regression sees them."""
    present = (x > 0).astype(np.float64)
    p = np.asarray(present[y == 1].sum(axis=0)).ravel() + 1.0
    q = np.asarray(present[y == 0].sum(axis=0)).ravel() + 1.0
    return np.log((p / p.sum()) / (q / q.sum()))


def fit(x: sparse.csr_matrix, y: np.ndarray, w: np.ndarray, heads: range | None = None) -> tuple[np.ndarray, np.ndarray]:
    weights = np.zeros((2**BITS, len(HEADS)), dtype=np.float32)
    bias = np.full(len(HEADS), -10.0, dtype=np.float32)  # a head never fitted never fires
    for j in heads if heads is not None else range(len(HEADS)):
        keep = w[:, j] > 0
        if len(set(y[keep, j])) < 2:  # nothing labelled for this head yet
            continue
        ratio = log_count_ratio(x[keep], y[keep, j])
        model = LogisticRegression(C=C, solver="liblinear", class_weight="balanced", max_iter=1000, random_state=0)
        model.fit(x[keep].multiply(ratio).tocsr(), y[keep, j])
        weights[:, j] = model.coef_[0] * ratio  # folded in: at run time the model stays a plain sum
        bias[j] = model.intercept_[0]
    return weights, bias


def with_negative_windows(texts: list[str], y: np.ndarray, w: np.ndarray, rows_wanted: np.ndarray):
    """The rows wanted, plus each window of their long negatives as a negative of its own: a
    long ordinary story is read window by window at run time, so every window is taught as
    ordinary. (The windows of a risk story are not: which one holds the risk is not known.)"""
    extra_texts, extra_y, extra_w = [], [], []
    for i in np.flatnonzero(rows_wanted):
        if y[i, 0]:
            continue
        for window in windows(normalise(texts[i])):
            extra_texts.append(window)
            extra_y.append(np.zeros(len(HEADS), dtype=np.int8))
            extra_w.append(np.where(np.arange(len(HEADS)) == CONFIRM, 0.0, w[i]))  # "confirm" reads whole matches
    all_texts = [texts[i] for i in np.flatnonzero(rows_wanted)] + extra_texts
    all_y = np.vstack([y[rows_wanted], *([np.array(extra_y)] if extra_y else [])])
    all_w = np.vstack([w[rows_wanted], *([np.array(extra_w)] if extra_w else [])])
    return matrix(all_texts), all_y, all_w


def folds_by_writer(rows: list[dict]) -> np.ndarray:
    """Each writer's lines in one fold, writers spread so the folds are about the same size
    (largest first, into the smallest fold; ties by name). Lines with no writer (the older
    tuning sets) go by a hash of their text."""
    sizes: dict[str, int] = {}
    for row in rows:
        if row.get("writer"):
            sizes[row["writer"]] = sizes.get(row["writer"], 0) + 1
    fold_size, fold_of_writer = [0] * FOLDS, {}
    for writer in sorted(sizes, key=lambda name: (-sizes[name], name)):
        k = fold_size.index(min(fold_size))
        fold_of_writer[writer] = k
        fold_size[k] += sizes[writer]
    return np.array([
        fold_of_writer[r["writer"]] if r.get("writer") else int(hashlib.sha256(r["text"].encode()).hexdigest(), 16) % FOLDS
        for r in rows
    ])


def lowest_threshold(scores: np.ndarray, groups: dict[str, np.ndarray], limits: dict[str, float], already: np.ndarray | None = None) -> float:
    """The lowest score at which every group's share at or above it (or `already` flagged)
    stays within its limit."""
    if already is None:
        already = np.zeros(len(scores), dtype=bool)
    for t in np.round(np.arange(0.05, 0.999, 0.005), 3):
        if all(((scores >= t) | already)[groups[g]].mean() <= limits[g] for g in limits if groups[g].any()):
            return float(t)
    return 0.999


def highest_below(scores: np.ndarray, allowed: float, ceiling: float) -> float:
    """The highest threshold (in steps of 0.01, up to `ceiling`) under which at most
    `allowed` of `scores` fall."""
    best = 0.0
    for t in np.round(np.arange(0.01, ceiling + 0.001, 0.01), 2):
        if (scores < t).sum() <= allowed:
            best = float(t)
    return best


def share(hit: np.ndarray, group: np.ndarray) -> float:
    return round(float((hit & group).sum() / max(group.sum(), 1)), 4)


def main() -> int:
    rows = read_rows()
    texts = [r["text"] for r in rows]
    patterns = Screener.load(ROOT / "content" / "screening")
    splits = [patterns.split(t) for t in texts]
    pattern_kinds = [certain - {"under_18"} for certain, _ in splits]
    by_pattern = np.array([bool(k) for k in pattern_kinds])  # certain: the full response
    probable_pattern = np.array([bool(p - {"under_18"}) for _, p in splits])  # level "ask" groups: the question
    urgent_pattern = np.array([bool(k & {"plan"}) for k in pattern_kinds])
    y, w = labels(rows, by_pattern)
    kind_of_set = np.array([r.get("set") or ("risk" if y[i, 0] else "hard") for i, r in enumerate(rows)])
    folds = folds_by_writer(rows)
    card = {"bits": BITS, "heads": list(HEADS), "thresholds": {"ask": 0.5, "respond": 0.9, "kind": KIND_FLOOR, "doubt": 0.0}}

    # Out-of-fold risk, plan and confirm scores, scored exactly as at run time (windows included).
    out_of_fold, plan_out_of_fold, confirm_out_of_fold = np.zeros(len(rows)), np.zeros(len(rows)), np.ones(len(rows))
    for k in range(FOLDS):
        train = folds != k
        x, yy, ww = with_negative_windows(texts, y, w, train)
        weights, bias = fit(x, yy, ww, heads=[0, HEADS.index("plan"), CONFIRM])
        model = RiskModel(weights, bias, card)
        for i in np.flatnonzero(~train):
            scores = model.score(texts[i])
            out_of_fold[i], plan_out_of_fold[i], confirm_out_of_fold[i] = scores.risk, scores.kinds["plan"], scores.confirm
    groups = {s: kind_of_set == s for s in ("ordinary", "hard", "risk")}
    ask = lowest_threshold(out_of_fold, groups, {"ordinary": ASK_ORDINARY, "hard": ASK_HARD}, probable_pattern & ~by_pattern)
    respond = max(ask, lowest_threshold(out_of_fold, groups, {"ordinary": RESPOND_ORDINARY, "hard": RESPOND_HARD}))
    # A pattern match the model strongly doubts is asked about rather than answered in full
    # (never one that names a plan): the highest doubt that would turn at most
    # DOUBT_RISK of the risk lines the patterns catch into a question.
    caught_by_pattern = by_pattern & groups["risk"] & ~urgent_pattern
    doubt = 0.0
    for t in np.round(np.arange(0.02, ask, 0.02), 2):
        if (caught_by_pattern & (out_of_fold < t)).sum() <= DOUBT_RISK * (by_pattern & groups["risk"]).sum():
            doubt = float(t)
    # The second opinion on pattern matches: the highest "confirm" below which at most
    # CONFIRM_RISK of the risk the patterns catch would be asked about (CONFIRM_RISK_PLAN for
    # matches naming a plan, means, time or act).
    caught_risk = (by_pattern & groups["risk"]).sum()
    confirm_doubt = highest_below(confirm_out_of_fold[caught_by_pattern], CONFIRM_RISK * caught_risk, 0.9)
    confirm_doubt_plan = highest_below(confirm_out_of_fold[by_pattern & groups["risk"] & urgent_pattern], CONFIRM_RISK_PLAN * caught_risk, 0.5)
    model_flag = out_of_fold >= ask
    demoted = by_pattern & np.where(
        urgent_pattern,
        confirm_out_of_fold < confirm_doubt_plan,
        (out_of_fold < doubt) | (confirm_out_of_fold < confirm_doubt),
    )
    respond_flag = (by_pattern & ~demoted) | (out_of_fold >= respond) | (model_flag & (plan_out_of_fold >= PLAN_RESPOND))
    caught = by_pattern | model_flag | probable_pattern
    urgent = np.array([bool(set(r["kinds"]) & {"plan", "act"}) for r in rows])
    # The bank alone: written blind to the patterns, so the patterns' share is honest there
    # (the older tuning sets were tuned on by the patterns).
    bank = np.array(["set" in r and r.get("writer") != "content" for r in rows])

    def figures_for(where: np.ndarray) -> dict:
        return {
            "risk_caught": share(caught, groups["risk"] & where),
            "risk_caught_plan_or_act": share(caught, groups["risk"] & urgent & where),
            "risk_respond": share(respond_flag, groups["risk"] & where),
            "ordinary_ask": share(caught & ~respond_flag, groups["ordinary"] & where),
            "ordinary_respond": share(respond_flag, groups["ordinary"] & where),
            "hard_ask": share(caught & ~respond_flag, groups["hard"] & where),
            "hard_respond": share(respond_flag, groups["hard"] & where),
        }

    figures = {
        "out_of_fold": {
            "note": "patterns and model together; the model scored on folds it was not trained on",
            "all_training_rows": figures_for(np.ones(len(rows), dtype=bool)),
            "blind_bank_only": figures_for(bank),
        }
    }
    x, yy, ww = with_negative_windows(texts, y, w, np.ones(len(rows), dtype=bool))
    weights, bias = fit(x, yy, ww)
    data_hash = data_sha256(rows)
    card = {
        "bits": BITS,
        "heads": list(HEADS),
        "bias": [round(float(b), 6) for b in bias],
        "thresholds": {
            "ask": ask,
            "respond": respond,
            "kind": KIND_FLOOR,
            "doubt": doubt,
            "confirm_doubt": confirm_doubt,
            "confirm_doubt_plan": confirm_doubt_plan,
            "plan_respond": PLAN_RESPOND,
        },
        "training": {
            "files": [str(p.relative_to(ROOT)) for p in training_files()],
            "rows": len(rows),
            "negative_windows_added": int(x.shape[0] - len(rows)),
            "by_set": {s: int(groups[s].sum()) for s in groups},
            "by_language": {lang: sum(1 for r in rows if r.get("lang") == lang) for lang in sorted({r.get("lang", "?") for r in rows})},
            "data_sha256": data_hash,
            "C": C,
            "folds": FOLDS,
        },
        **figures,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(OUT / "weights.npy", weights.astype(np.float16), allow_pickle=False)
    (OUT / "model.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({"thresholds": card["thresholds"], **figures, "rows": len(rows)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
