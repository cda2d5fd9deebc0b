"""The learned second screen: a linear model over character and word n-grams.

The hand-written patterns (flows/lib/screening.py) are precise but miss wording nobody wrote
down. This model reads the whole message and says how likely it is that it speaks of risk,
and of which kind. It is data, not code: `scripts/train_screening.py` trains it from the
labelled lines in tests/data/screening (scikit-learn, at build time only) and writes
content/screening/model/; here it is scored with numpy alone, with no network.

Features, the same at training and at run time (`features`):
- the text is normalised as the patterns see it (`screening.normalise`: lowercase, accents
  and apostrophes gone), so "Don't" and "dont" are one;
- character 3-, 4- and 5-grams of " text " (they survive typos, slang and compounds), and
  word unigrams and bigrams, each hashed into one of 2**bits columns;
- each distinct column counts once, scaled by 1/sqrt(how many), so length does not swamp.

A long message is also read window by window (a few sentences at a time), and the window
that sounds most at risk counts: a disclosure buried in an ordinary paragraph is not
diluted by the rest.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from flows.lib.screening import normalise

KIND_HEADS = ("suicidal", "self_harm", "harm_from_others", "harm_to_others", "plan", "act")
# "confirm" is a second opinion on a pattern match: trained only on lines a pattern matched,
# it tells risk from risk words told of the past, of someone else, in a joke or a game.
HEADS = ("risk", *KIND_HEADS, "confirm")
CHAR_NS = (3, 4, 5)
WINDOW_CHARS = 240  # a window: whole sentences up to about this long
WHOLE_TEXT_CHARS = 300  # shorter messages are read whole only
SENTENCE_MIN_WORDS = 4  # a sentence read on its own has at least this many words
_SENTENCE_END = re.compile(r"(?<=[.!?;]) +")
_WORD = re.compile(r"\w+")
_PRIME = np.uint64(0x9E3779B1)
_N_SALT = {n: np.uint64(0x85EBCA77 * n) for n in CHAR_NS}
_UNIGRAM_SALT, _BIGRAM_SALT = 0x27D4EB2F, 0x165667B1


_MIX = np.uint64(0xBF58476D1CE4E5B9)
_crc_cache: dict[str, int] = {}


def _word_crc(word: str) -> int:
    h = _crc_cache.get(word)
    if h is None:
        if len(_crc_cache) > 200_000:  # bounded: words are few, but a flood of made-up ones is not
            _crc_cache.clear()
        h = _crc_cache[word] = zlib.crc32(word.encode())
    return h


def _keys(parts: list[str], bits: int) -> np.ndarray:
    """Sorted distinct (part index << bits | column) of every part, in one vectorised pass.

    Each part is normalised text (ASCII). A column is a hashed character 3-, 4- or 5-gram of
    " part " or a hashed word unigram or bigram; n-grams never cross from one part to the next.
    """
    joined = "\0".join(f" {p} " for p in parts).encode("ascii")
    codes = np.frombuffer(joined, dtype=np.uint8).astype(np.uint64)
    part_at = np.cumsum(codes == 0)  # the part each position belongs to (separators open the next)
    hashes, owners = [], []
    for n in CHAR_NS:
        count = len(codes) - n + 1
        if count <= 0:
            continue
        h = np.zeros(count, dtype=np.uint64)
        for k in range(n):  # uint64 arithmetic wraps: that is the hash
            h = h * _PRIME + codes[k : k + count]
        inside = (part_at[:count] == part_at[n - 1 :]) & (codes[:count] != 0)
        hashes.append((h ^ _N_SALT[n])[inside])
        owners.append(part_at[:count][inside])
    for index, part in enumerate(parts):
        words = np.array([_word_crc(w) for w in _WORD.findall(part)], dtype=np.uint64)
        if len(words):
            bigrams = words[:-1] * _PRIME + words[1:] + np.uint64(_BIGRAM_SALT)
            both = np.concatenate([words ^ np.uint64(_UNIGRAM_SALT), bigrams])
            hashes.append(both)
            owners.append(np.full(len(both), index, dtype=np.int64))
    if not hashes:
        return np.zeros(0, dtype=np.int64)
    all_hashes = np.concatenate(hashes)
    # Mix the high bits down before taking the low ones, so every part of the hash counts.
    columns = (((all_hashes ^ (all_hashes >> np.uint64(29))) * _MIX) >> np.uint64(64 - bits)).astype(np.int64)
    return np.unique((np.concatenate(owners).astype(np.int64) << bits) | columns)


def features(text: str, bits: int) -> np.ndarray:
    """The distinct hashed columns of one text (sorted int64): what the model reads."""
    return _keys([normalise(text)], bits) & ((1 << bits) - 1)


def windows(t: str) -> list[str]:
    """For a long normalised text, its windows of whole sentences (a sentence longer than a
    window cut into pieces), then each sentence alone. A short text has none (it is read
    whole)."""
    if len(t) <= WHOLE_TEXT_CHARS:
        return []
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(t):
        sentence = sentence.strip()
        while len(sentence) > WINDOW_CHARS:
            cut = sentence.rfind(" ", WINDOW_CHARS // 2, WINDOW_CHARS)
            cut = cut if cut > 0 else WINDOW_CHARS
            pieces.append(sentence[:cut])
            sentence = sentence[cut:].strip()
        if sentence:
            pieces.append(sentence)
    found: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + len(piece) > WINDOW_CHARS:
            found.append(current)
            current = ""
        current = f"{current} {piece}".strip()
    if current:
        found.append(current)
    # Each sentence on its own too: a short disclosure between two ordinary sentences is
    # diluted in any window (a sentence of a word or two says too little to read alone).
    found += [p for p in pieces if p not in found and len(p.split()) >= SENTENCE_MIN_WORDS]
    return found


def read_model_files(directory: Path) -> tuple[np.ndarray, np.ndarray, dict]:
    """(weights, bias, card) of a trained linear model: weights.npy and model.json."""
    card = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    weights = np.load(directory / "weights.npy", allow_pickle=False)
    return weights, np.array(card["bias"], dtype=np.float32), card


@dataclass(frozen=True)
class Scores:
    """What the model thinks of one message: the probability of risk and of each kind."""

    risk: float
    kinds: dict[str, float]
    confirm: float = 1.0  # how sure that a pattern's match is risk (the likeliest part speaks)

    def likely_kinds(self, floor: float) -> frozenset[str]:
        """The kinds above `floor`, or the single likeliest if none is; "plan" and "act"
        never alone (they say how urgent, not what)."""
        found = {k for k, p in self.kinds.items() if p >= floor}
        base = found - {"plan", "act"}
        if not base:
            best = max(("suicidal", "self_harm", "harm_from_others", "harm_to_others"), key=lambda k: self.kinds[k])
            base = {best}
        if "act" in found:
            found.add("plan")
        if "plan" in found and not base & {"suicidal", "self_harm"}:
            found -= {"plan", "act"}
        return frozenset(base | (found & {"plan", "act"}))


class RiskModel:
    """A trained linear model: weights (columns × heads), biases, thresholds."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, card: dict) -> None:
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.bits = int(card["bits"])
        self.ask_at = float(card["thresholds"]["ask"])
        self.respond_at = float(card["thresholds"]["respond"])
        self.kind_floor = float(card["thresholds"]["kind"])
        self.doubt = float(card["thresholds"].get("doubt", 0.0))
        self.confirm_doubt = float(card["thresholds"].get("confirm_doubt", 0.0))
        self.confirm_doubt_plan = float(card["thresholds"].get("confirm_doubt_plan", 0.0))
        self.plan_respond_at = float(card["thresholds"].get("plan_respond", 1.0))
        if self.weights.shape != (2**self.bits, len(HEADS)):
            raise ValueError(f"model weights have shape {self.weights.shape}, expected {(2**self.bits, len(HEADS))}")

    @classmethod
    def load(cls, directory: Path) -> RiskModel:
        return cls(*read_model_files(directory))

    def score(self, text: str) -> Scores:
        """The whole text and each window; the window likeliest to be risk speaks for it."""
        t = normalise(text)
        parts = [t, *windows(t)]
        keys = _keys(parts, self.bits)
        if not len(keys):
            return Scores(0.0, {k: 0.0 for k in KIND_HEADS}, 0.0)
        if len(parts) == 1:  # most messages: read whole, one row of logits (a third of the cost)
            logits = self.weights[keys].sum(axis=0) / np.float32(np.sqrt(len(keys))) + self.bias
            return self._scores(logits, float(logits[-1]))
        owner = keys >> self.bits
        rows = self.weights[keys & ((1 << self.bits) - 1)]
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        sums = np.add.reduceat(rows, starts, axis=0)
        counts = np.diff(np.r_[starts, len(keys)]).astype(np.float32)
        logits = sums / np.sqrt(counts)[:, None] + self.bias
        return self._scores(logits[int(np.argmax(logits[:, 0]))], float(logits[:, -1].max()))

    @staticmethod
    def _scores(best: np.ndarray, confirm: float) -> Scores:
        """Probabilities from the logits of the part likeliest to be risk, and the surest
        part's confirmation."""
        probs = 1.0 / (1.0 + np.exp(-best.astype(np.float64)))
        return Scores(float(probs[0]), {k: float(p) for k, p in zip(KIND_HEADS, probs[1:-1])}, float(1.0 / (1.0 + np.exp(-confirm))))
