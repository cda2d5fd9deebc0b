"""The learned risk screen: its features, windows, the shipped files and their card."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from flows.lib.risk_model import HEADS, KIND_HEADS, RiskModel, features, windows
from flows.lib.screening import normalise

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "content" / "screening" / "model"
sys.path.insert(0, str(ROOT / "scripts"))

import train_screening  # noqa: E402


def test_features_are_stable_and_ignore_case_accents_and_apostrophes():
    assert np.array_equal(features("Don't", 18), features("dont", 18))
    assert np.array_equal(features("Café", 18), features("cafe", 18))
    assert not np.array_equal(features("i want to die", 18), features("i want to dine", 18))
    assert len(features("", 18)) == 0 and 0 < len(features("abc", 18)) and features("abc", 18).max() < 2**18


def test_a_long_story_is_read_window_by_window_and_nothing_is_lost():
    story = ". ".join(f"On day {i} we went to the shops and had a quiet evening at home" for i in range(12))
    story += ". I've written the note and put it in the drawer. Then we watched television."
    parts = windows(normalise(story))
    assert len(parts) >= 3 and all(len(p) <= 240 for p in parts)
    assert "ive written the note and put it in the drawer." in parts  # the sentence alone too
    assert any("written the note and put it in the drawer" in p for p in parts)
    assert windows(normalise("a short message")) == []


def test_a_buried_disclosure_scores_as_high_as_on_its_own(content):
    model = content.risk_screen.model
    alone = "I've written the note and put it in the drawer, it will be over by Sunday"
    story = "Work was fine this week and the kids were busy with school. " * 6 + alone + ". " + "We had pasta for dinner. " * 6
    assert model.score(story).risk >= model.score(alone).risk - 0.05


def test_the_shipped_model_matches_its_card():
    card = json.loads((MODEL / "model.json").read_text(encoding="utf-8"))
    model = RiskModel.load(MODEL)
    assert model.weights.shape == (2 ** card["bits"], len(HEADS)) and card["heads"] == list(HEADS)
    t = card["thresholds"]
    assert 0 < t["doubt"] < t["ask"] <= t["respond"] < 1
    assert np.isfinite(model.weights).all()


def test_the_shipped_model_was_trained_on_the_data_in_the_repository():
    """Data that change without a retrained model would drift silently (docs/safety.md H13)."""
    card = json.loads((MODEL / "model.json").read_text(encoding="utf-8"))
    assert card["training"]["data_sha256"] == train_screening.data_sha256(train_screening.read_rows()), (
        "tests/data/screening changed: run `python3 dev.py train-screening` and review the new figures"
    )


def test_the_held_out_sets_are_never_trained_on():
    files = [str(p.relative_to(ROOT)) for p in train_screening.training_files()]
    assert files and not any("heldout" in f for f in files)


def test_training_is_deterministic():
    rows = train_screening.read_rows()[::40]
    texts = [r["text"] for r in rows]
    matched = np.array([i % 3 == 0 for i in range(len(rows))])  # as if a pattern matched these
    y, w = train_screening.labels(rows, matched)
    assert not w[~matched, train_screening.CONFIRM].any()  # "confirm" learns only from matched lines
    everything = np.ones(len(rows), dtype=bool)
    heads = [0, train_screening.CONFIRM]
    first = train_screening.fit(*train_screening.with_negative_windows(texts, y, w, everything), heads=heads)
    second = train_screening.fit(*train_screening.with_negative_windows(texts, y, w, everything), heads=heads)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert first[0][:, 0].any() and first[0][:, train_screening.CONFIRM].any()


@pytest.mark.parametrize("text", ["", "   ", "😭😭😭", "a" * 4096, "kill " * 819])
def test_any_text_scores_between_zero_and_one(content, text):
    scores = content.risk_screen.model.score(text)
    assert 0.0 <= scores.risk <= 1.0 and set(scores.kinds) == set(KIND_HEADS) and 0.0 <= scores.confirm <= 1.0


def test_a_missing_or_broken_model_stops_start_up_with_a_clear_message(tmp_path):
    import shutil

    from flows.lib.content import Content, ContentError

    root = tmp_path / "content"
    shutil.copytree(ROOT / "content", root)
    (root / "screening" / "model" / "weights.npy").unlink()
    with pytest.raises(ContentError, match="screening model"):
        Content(root)
    np.save(root / "screening" / "model" / "weights.npy", np.zeros((4, 7), dtype=np.float16))
    with pytest.raises(ContentError, match="screening model"):
        Content(root)


@pytest.mark.parametrize(
    "text, confirm, level",
    [
        # No plan named: a second opinion below "confirm_doubt" asks rather than responds.
        ("I want to kill myself", "below_doubt", "ask"),
        ("I want to kill myself", "above_doubt", "respond"),
        # A plan named: only a second opinion below the much lower "confirm_doubt_plan" asks.
        ("I will take all the pills tonight", "between", "respond"),
        ("I will take all the pills tonight", "below_plan_doubt", "ask"),
    ],
)
def test_a_pattern_match_the_second_opinion_doubts_is_asked_about(content, monkeypatch, text, confirm, level):
    from flows.lib.risk_model import Scores
    from flows.lib.risk_screen import Context

    screen = content.risk_screen
    model = screen.model
    assert 0 < model.confirm_doubt_plan < model.confirm_doubt < 1
    value = {
        "below_doubt": model.confirm_doubt - 0.01,
        "above_doubt": model.confirm_doubt + 0.01,
        "between": (model.confirm_doubt_plan + model.confirm_doubt) / 2,
        "below_plan_doubt": model.confirm_doubt_plan / 2,
    }[confirm]
    kinds = {k: 0.0 for k in KIND_HEADS}
    monkeypatch.setattr(model, "score", lambda t: Scores(0.9, kinds, value))
    assert screen.patterns.screen(text)  # the patterns match: the rule is about their matches
    found = screen.screen(text)
    assert (found.level, found.why) == (level, "pattern")
    # After a full response, or after "No, I'm OK", a doubted match is answered in full.
    assert screen.screen(text, Context(recent=frozenset({"suicidal"}))).level == "respond"
    assert screen.screen(text, Context(quiet_model=True)).level == "respond"


@pytest.mark.parametrize(
    "text",
    ["I can't go on like this at work, something has to change", "pienso que soy una carga en el curro",
     "Ich bin eine Last für meine Familie, seit ich arbeitslos bin."],
)
def test_words_that_are_often_everyday_are_asked_about_not_answered_in_full(content, monkeypatch, text):
    from flows.lib.risk_model import Scores
    from flows.lib.risk_screen import Context

    screen = content.risk_screen
    certain, probable = screen.patterns.split(text)
    assert not certain and "suicidal" in probable  # a group of level "ask" matched, nothing else
    quiet = Scores(0.0, {k: 0.0 for k in KIND_HEADS}, 0.0)
    monkeypatch.setattr(screen.model, "score", lambda t: quiet)  # the model sees nothing
    found = screen.screen(text)
    assert (found.level, found.why) == ("ask", "pattern") and "suicidal" in found.kinds
    # After a full response the same words bring it again; after "No, I'm OK" no question.
    assert screen.screen(text, Context(recent=frozenset({"suicidal"}))).level == "respond"
    assert screen.screen(text, Context(quiet_model=True)).level == "none"
