"""The thinking-trap ranker: its files, its data, its training, and `python -m bot traps`."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np

from bot.traps_cli import run
from flows.lib.traps import NO_TRAP, TrapRanker

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "content" / "practices" / "traps"
sys.path.insert(0, str(ROOT / "scripts"))
import train_traps  # noqa: E402


def test_the_shipped_model_was_trained_on_the_data_in_the_repository():
    card = json.loads((MODEL / "model.json").read_text(encoding="utf-8"))
    assert card["training"]["data_sha256"] == train_traps.data_sha256(train_traps.read("bank")), (
        "tests/data/traps changed: run `python3 dev.py train-traps` and review the new figures"
    )
    assert not any("heldout" in f for f in card["training"]["files"])
    ranker = TrapRanker.load(MODEL)
    assert ranker.labels == train_traps.LABELS and np.isfinite(ranker.weights).all()
    assert 0 < ranker.match_at < 1


def test_the_labelled_thoughts_are_sound():
    """Every line names a known trap; a held-out thought a bank writer also wrote is never
    measured."""
    bank, held_out = train_traps.read("bank"), train_traps.held_out(train_traps.read("bank"))
    assert len(bank) >= 3000 and len(held_out) >= 600
    assert {r["trap"] for r in bank} == set(train_traps.LABELS)
    assert not {r["text"].strip().casefold() for r in bank} & {r["text"].strip().casefold() for r in held_out}
    assert {r["lang"] for r in bank} == {r["lang"] for r in held_out} == {"en", "es", "de", "fr"}


def test_training_is_deterministic():
    rows = train_traps.read("bank")[::25]
    y = np.array([train_traps.LABELS.index(r["trap"]) for r in rows])
    x = train_traps.matrix([r["text"] for r in rows])
    first, second = train_traps.fit(x, y), train_traps.fit(x, y)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_no_trap_is_likeliest_where_a_thought_has_none_to_show(content):
    ranker = content.trap_ranker
    calm = ranker.probabilities("I'm nervous because I haven't prepared, so I'll prepare tonight")
    loaded = ranker.probabilities("I'm a complete idiot, a total loser")
    assert calm[NO_TRAP] > loaded[NO_TRAP]
    assert max(loaded, key=loaded.get) == "labelling"


def test_python_m_bot_traps_reads_lines_and_prints_one_object_each(content):
    out = io.StringIO()
    lines = ["I'm such a loser, what an idiot", json.dumps({"text": "They must all think I'm boring"}), "", "{oops", json.dumps({"text": 3})]
    assert run(io.StringIO("\n".join(lines) + "\n"), out, content) == 0
    got = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(got) == 4  # the blank line is skipped
    assert got[0]["matched"] is True and got[0]["traps"][0] == "labelling"
    assert got[1]["traps"][0] == "mind_reading" and len(got[1]["traps"]) == len(train_traps.LABELS) - 1
    assert "error" in got[2] and "error" in got[3]
