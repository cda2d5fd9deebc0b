"""Which thinking traps a thought most likely shows, likeliest first.

A linear model over the same hashed character and word n-grams as the risk screen
(`risk_model.features`), one softmax over the traps and "none" (no trap). It is data:
`scripts/train_traps.py` trains it from the labelled thoughts in tests/data/traps/bank
(scikit-learn, at build time only) and writes content/practices/traps/; here it is scored
with numpy alone.

`matched` says whether the words gave the ranking something to go on: the likeliest trap is
at least `match_at` probable and likelier than "none". Without a match the thought record
shows the traps in the order people meet them most, and does not call them "most likely".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from flows.lib.risk_model import features, read_model_files

NO_TRAP = "none"
RANKINGS_KEPT = 256  # thoughts whose ranking is remembered (see TrapRanker.rank)


@dataclass(frozen=True)
class Ranking:
    traps: tuple[str, ...]  # every trap id, likeliest first
    matched: bool  # the words pointed somewhere: "these seem the most likely" is true

    def as_json(self) -> dict:
        return {"traps": list(self.traps), "matched": self.matched}


class TrapRanker:
    """A trained model: weights (columns × labels), biases, the labels and `match_at`."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, card: dict) -> None:
        self.labels = tuple(card["labels"])
        self.bits = int(card["bits"])
        self.match_at = float(card["match_at"])
        self.fallback = tuple(card["fallback_order"])  # the commonest traps first
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self._ranked: dict[tuple[bytes, tuple[str, ...] | None], Ranking] = {}
        if self.weights.shape != (2**self.bits, len(self.labels)) or NO_TRAP not in self.labels:
            raise ValueError(f"trap model weights have shape {self.weights.shape}, expected {(2**self.bits, len(self.labels))}")

    @classmethod
    def load(cls, directory: Path) -> TrapRanker:
        return cls(*read_model_files(directory))

    def probabilities(self, text: str) -> dict[str, float]:
        columns = features(text, self.bits)
        if not len(columns):
            return {}
        logits = self.weights[columns].sum(axis=0) / np.sqrt(len(columns)) + self.bias
        exp = np.exp(logits - logits.max())
        return {label: float(p) for label, p in zip(self.labels, exp / exp.sum())}

    def rank(self, text: str, trap_ids: tuple[str, ...] | None = None) -> Ranking:
        """Every trap (those of `trap_ids`, if given), likeliest first.

        The traps question ranks the same thought for its buttons and its words, and again
        on every tap: a ranking is kept for the last RANKINGS_KEPT thoughts, by a digest of
        the words (the words themselves are not kept)."""
        key = (hashlib.blake2b(text.encode(), digest_size=16).digest(), trap_ids)
        ranking = self._ranked.pop(key, None) or self._rank(text, trap_ids)
        self._ranked[key] = ranking  # the most recent last
        if len(self._ranked) > RANKINGS_KEPT:
            del self._ranked[next(iter(self._ranked))]
        return ranking

    def _rank(self, text: str, trap_ids: tuple[str, ...] | None) -> Ranking:
        wanted = trap_ids or tuple(label for label in self.labels if label != NO_TRAP)
        probs = self.probabilities(text)
        if not probs:
            return Ranking(self._by_fallback(wanted), False)
        order = sorted(wanted, key=lambda t: (-probs.get(t, 0.0), self._fallback_index(t)))
        top = probs.get(order[0], 0.0)
        matched = top >= self.match_at and top > probs[NO_TRAP]
        return Ranking(tuple(order) if matched else self._by_fallback(wanted), matched)

    def _fallback_index(self, trap_id: str) -> int:
        return self.fallback.index(trap_id) if trap_id in self.fallback else len(self.fallback)

    def _by_fallback(self, wanted: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(wanted, key=self._fallback_index))
