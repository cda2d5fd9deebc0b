"""The learned second screen: a linear model over character and word n-grams.

The hand-written patterns (flows/screening.py) are precise but miss wording nobody wrote
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

from flows.screening import normalise

HEADS = ("risk", "suicidal", "self_harm", "harm_from_others", "harm_to_others", "plan", "act")
KIND_HEADS = HEADS[1:]
CHAR_NS = (3, 4, 5)
WINDOW_CHARS = 240  # a window: whole sentences up to about this long
WHOLE_TEXT_CHARS = 300  # shorter messages are read whole only
_SENTENCE_END = re.compile(r"(?<=[.!?;\n])\s+|\n+")
_WORD = re.compile(r"\w+")
_PRIME = np.uint64(0x9E3779B1)
_N_SALT = {n: np.uint64(0x85EBCA77 * n) for n in CHAR_NS}
_UNIGRAM_SALT, _BIGRAM_SALT = 0x27D4EB2F, 0x165667B1


def _char_hashes(t: str) -> np.ndarray:
    """Polynomial hashes of every character 3-, 4- and 5-gram (vectorised, no Python loop)."""
    codes = np.frombuffer(f" {t} ".encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    out = []
    for n in CHAR_NS:
        if len(codes) < n:
            continue
        h = np.zeros(len(codes) - n + 1, dtype=np.uint64)
        for k in range(n):  # uint64 arithmetic wraps: that is the hash
            h = h * _PRIME + codes[k : len(codes) - n + 1 + k]
        out.append(h ^ _N_SALT[n])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.uint64)


def _word_hashes(t: str) -> np.ndarray:
    words = np.array([zlib.crc32(w.encode()) for w in _WORD.findall(t)], dtype=np.uint64)
    if not len(words):
        return words
    bigrams = words[:-1] * _PRIME + words[1:] + np.uint64(_BIGRAM_SALT)
    return np.concatenate([words ^ np.uint64(_UNIGRAM_SALT), bigrams])


def features(text: str, bits: int) -> np.ndarray:
    """The distinct hashed columns of a text (sorted int64): what the model reads."""
    t = normalise(text)
    hashes = np.concatenate([_char_hashes(t), _word_hashes(t)])
    # Mix the high bits down before taking the low ones, so every part of the hash counts.
    mixed = (hashes ^ (hashes >> np.uint64(29))) * np.uint64(0xBF58476D1CE4E5B9)
    columns = (mixed >> np.uint64(64 - bits)).astype(np.int64)
    return np.unique(columns)


def windows(text: str) -> list[str]:
    """The text itself, and for a long one its windows of whole sentences (a sentence longer
    than a window is cut into pieces)."""
    if len(text) <= WHOLE_TEXT_CHARS:
        return [text]
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        while len(sentence) > WINDOW_CHARS:
            cut = sentence.rfind(" ", WINDOW_CHARS // 2, WINDOW_CHARS)
            cut = cut if cut > 0 else WINDOW_CHARS
            pieces.append(sentence[:cut])
            sentence = sentence[cut:].strip()
        if sentence:
            pieces.append(sentence)
    found, current, previous = [text], "", ""
    for piece in pieces:  # windows overlap by one sentence, so a disclosure is never split
        if current and len(current) + len(piece) > WINDOW_CHARS:
            found.append(current)
            current = previous if len(previous) + len(piece) <= WINDOW_CHARS else ""
        current = f"{current} {piece}".strip()
        previous = piece
    if current and current != found[-1]:
        found.append(current)
    return found


@dataclass(frozen=True)
class Scores:
    """What the model thinks of one message: the probability of risk and of each kind."""

    risk: float
    kinds: dict[str, float]

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
        self.card = card
        if self.weights.shape != (2**self.bits, len(HEADS)):
            raise ValueError(f"model weights have shape {self.weights.shape}, expected {(2**self.bits, len(HEADS))}")

    @classmethod
    def load(cls, directory: Path) -> RiskModel:
        card = json.loads((directory / "model.json").read_text(encoding="utf-8"))
        weights = np.load(directory / "weights.npy", allow_pickle=False)
        return cls(weights, np.array(card["bias"], dtype=np.float32), card)

    def _score_one(self, text: str) -> np.ndarray:
        columns = features(text, self.bits)
        if not len(columns):
            return np.full(len(HEADS), -10.0, dtype=np.float32)
        return self.weights[columns].sum(axis=0) / np.float32(np.sqrt(len(columns))) + self.bias

    def score(self, text: str) -> Scores:
        """The whole text and each window; the window likeliest to be risk speaks for it."""
        logits = np.stack([self._score_one(part) for part in windows(text)])
        best = logits[int(np.argmax(logits[:, 0]))]
        probs = 1.0 / (1.0 + np.exp(-best.astype(np.float64)))
        return Scores(float(probs[0]), {k: float(p) for k, p in zip(KIND_HEADS, probs[1:])})
