"""Risk screening (flows/lib/screening.py with the patterns in content/screening/).

The figures on the labelled sets are printed by `python -m tests.screening_report`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.lib.screening import KINDS, Screener, ScreeningError, normalise
from tests.screening_report import SETS, TARGET_FALSE_ALARMS, TARGET_RECALL, evaluate, read_set

PATTERNS = Path(__file__).resolve().parent.parent / "content" / "screening"


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.load(PATTERNS)


# --- the labelled sets -------------------------------------------------------------------

@pytest.mark.parametrize("name", ["tuning", "tuning 2", "tuning 3"])
def test_the_targets_hold_on_the_tuning_sets(screener: Screener, name: str):
    figures = evaluate(screener, read_set(SETS[name]))
    assert figures.risk and figures.negatives
    assert figures.recall >= TARGET_RECALL, f"{name}: recall {figures.recall:.3f} ({figures.caught}/{figures.risk})"
    assert figures.false_alarm_rate <= TARGET_FALSE_ALARMS, (
        f"{name}: false-alarm rate {figures.false_alarm_rate:.3f} ({figures.alarms}/{figures.negatives})"
    )


# The held-out set is never tuned on. The 0.97 recall target on it is reported by
# `python -m tests.screening_report` and tracked in the issue; this only guards against
# regression: the floor is the figure last measured, rounded down to 2 decimals. The
# message names aggregate figures only, never lines.
HELD_OUT_RECALL_FLOOR = 0.97  # measured 0.975 (118/121), false alarms 0.010 (1/104), 2026-11-24


def test_held_out_does_not_regress(screener: Screener):
    figures = evaluate(screener, read_set(SETS["held-out"]))
    assert figures.risk and figures.negatives
    assert figures.recall >= HELD_OUT_RECALL_FLOOR, f"held-out: recall {figures.recall:.3f}"
    assert figures.false_alarm_rate <= TARGET_FALSE_ALARMS, f"held-out: false alarms {figures.false_alarm_rate:.3f}"


def test_the_tuning_set_covers_every_kind_in_every_language():
    rows = read_set(SETS["tuning"])
    risk = [r for r in rows if r["kinds"]]
    negatives = [r for r in rows if not r["kinds"]]
    assert len(risk) >= 140 and len(negatives) >= 140
    for lang in ("en", "es", "de", "fr"):
        for kind in KINDS:
            assert any(lang == r["lang"] and kind in r["kinds"] for r in risk), (lang, kind)
        assert sum(r["lang"] == lang for r in negatives) >= 25, lang
    for r in risk:
        assert set(r["kinds"]) <= set(KINDS), r
        if "plan" in r["kinds"]:
            assert {"suicidal", "self_harm"} & set(r["kinds"]), r


# --- normalisation -----------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, expected",
    [
        ("I’m  SOOOO   done", "im soo done"),
        ("Don't", "dont"),
        ("J'ai 15 ans", "jai 15 ans"),
        ("Ich bin todmüde, weißt du", "ich bin todmude, weisst du"),
        ("Tengo 14 años", "tengo 14 anos"),
        ("self-harm — again", "self harm again"),
        ("wanna dieeee", "wanna diee"),
        ("\u200bkms\u200b", "kms"),
        ("ＫＭＳ", "kms"),
    ],
)
def test_normalise(raw: str, expected: str):
    assert normalise(raw) == expected


# --- behaviour ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, kinds",
    [
        ("I want to die", {"suicidal"}),
        ("i dont want to be here anymore", {"suicidal"}),
        ("kms", {"suicidal"}),
        ("I'm going to unalive myself", {"suicidal"}),
        ("i have the pills ready and im going to take them all tonight", {"plan", "suicidal"}),
        ("I cut myself again", {"self_harm"}),
        ("my husband hits me when he drinks", {"harm_from_others"}),
        ("he threatens to kill me", {"harm_from_others"}),
        ("i keep getting horrible thoughts about hurting my baby and it scares me", {"harm_to_others"}),
        ("im 15 btw", {"under_18"}),
        ("tengo 14 años", {"under_18"}),
        ("ich bin 16", {"under_18"}),
        ("j'ai 15 ans", {"under_18"}),
        ("quiero morir", {"suicidal"}),
        ("ich will sterben", {"suicidal"}),
        ("je veux mourir", {"suicidal"}),
    ],
)
def test_examples_of_each_kind(screener: Screener, text: str, kinds: set[str]):
    assert screener.screen(text) == kinds


def test_a_plan_always_comes_with_what_it_is_a_plan_for(screener: Screener):
    for text in ("i've got the pills ready", "tonight i end it", "wrote my goodbye letters",
                 "gonna cut tonight when everyone's asleep", "ce soir j'en finis",
                 "die tabletten liegen schon bereit", "tengo las pastillas preparadas"):
        kinds = screener.screen(text)
        assert "plan" in kinds and kinds & {"suicidal", "self_harm"}, (text, kinds)
    assert screener.screen("gonna cut tonight when everyone's asleep") >= {"plan", "self_harm"}


def test_negation_only_cancels_the_phrase_it_governs(screener: Screener):
    assert screener.screen("I'm not suicidal, just tired") == frozenset()
    assert screener.screen("i would never hurt myself") == frozenset()
    assert screener.screen("no quiero morir") == frozenset()
    assert screener.screen("im not ok i want to die") == {"suicidal"}
    assert screener.screen("i dont want to die but i want to kill myself") == {"suicidal"}
    assert screener.screen("no i want to kill myself") == {"suicidal"}


@pytest.mark.parametrize(
    "idiom",
    [
        "this homework is killing me", "I'm dead tired", "I could kill for a coffee", "died laughing",
        "me muero de hambre", "este trabajo me mata", "ich bin todmüde", "die Hitze bringt mich um",
        "je meurs de faim", "ce boulot me tue", "mort de rire",
    ],
)
def test_an_everyday_idiom_in_each_language_does_not_fire(screener: Screener, idiom: str):
    assert screener.screen(idiom) == frozenset()


def test_their_own_age_not_their_childs(screener: Screener):
    assert screener.screen("I'm 15") == {"under_18"}
    assert screener.screen("my son is 15") == frozenset()
    assert screener.screen("mi hijo tiene 15 años") == frozenset()
    assert screener.screen("mein Sohn ist 15") == frozenset()
    assert screener.screen("mon fils a 15 ans") == frozenset()
    assert screener.screen("im 15 minutes late") == frozenset()


def test_empty_and_odd_input(screener: Screener):
    assert screener.screen("") == frozenset()
    assert screener.screen("   \n ") == frozenset()
    assert screener.screen("😀" * 50) == frozenset()


def test_explain_names_the_group(screener: Screener):
    hits = screener.explain("i want to die")
    assert hits and hits[0].kind == "suicidal" and "en.toml" in hits[0].group


def test_a_group_of_level_ask_is_reported_apart_and_a_certain_match_wins(tmp_path: Path):
    (tmp_path / "xx.toml").write_text(
        GOOD_GROUP + "[[group]]\nkind = 'suicidal'\nlevel = 'ask'\nabout = 'x'\npatterns = ['\\bburden\\b']\n",
        encoding="utf-8",
    )
    screener = Screener.load(tmp_path)
    assert screener.split("I feel like a burden at work") == (frozenset(), frozenset({"suicidal"}))
    assert screener.split("a burden, I want to die") == (frozenset({"suicidal"}), frozenset())
    assert screener.screen("I feel like a burden at work") == frozenset({"suicidal"})
    for text in ("I feel like a burden at work", "a burden, I want to die", "nothing here"):
        assert screener.split(text) == screener.split_slowly(text)


# --- malformed pattern files ---------------------------------------------------------------

GOOD_GROUP = "[[group]]\nkind = 'suicidal'\nabout = 'x'\npatterns = ['\\bdie\\b']\n"


@pytest.mark.parametrize(
    "body, words",
    [
        ("[[group]]\nkind = 'sad'\nabout = 'x'\npatterns = ['a']\n", ["xx.toml", "kind", "sad"]),
        ("[[group]]\nkind = 'suicidal'\nabout = 'x'\npatterns = ['(unclosed']\n", ["xx.toml", "[[group]] #1", "not a valid regular expression"]),
        ("[[group]]\nkind = 'suicidal'\nabout = 'x'\npatterns = ['(?:a+)+']\n", ["xx.toml", "[[group]] #1"]),
        ("[[group]]\nkind = 'suicidal'\nabout = 'x'\npatterns = ['a.*b']\n", ["xx.toml", "'.*'"]),
        ("[[group]]\nkind = 'suicidal'\nabout = 'x'\npatterns = []\n", ["xx.toml", "patterns"]),
        ("[[group]]\nkind = 'suicidal'\npatterns = ['a']\n", ["xx.toml", "about"]),
        ("[[group]]\nkind = 'suicidal'\nabout = 'x'\npatterns = ['{nothing}']\n", ["xx.toml", "nothing"]),
        ("[[group]]\nkind = 'self_harm'\nimplies = 'suicidal'\nabout = 'x'\npatterns = ['a']\n", ["xx.toml", "implies"]),
        ("[[idiom]]\nabout = 'x'\npatterns = ['(']\n", ["xx.toml", "[[idiom]] #1"]),
        ("[[group]]\nkind = 'suicidal'\nabout = 'x'\npattern = ['a']\n", ["xx.toml", "pattern"]),
        ("[[group]\nkind = ", ["xx.toml", "not valid TOML"]),
        ("[[group]]\nkind = 'suicidal'\nlevel = 'maybe'\nabout = 'x'\npatterns = ['a']\n", ["xx.toml", "level", "ask"]),
    ],
)
def test_a_malformed_pattern_file_names_file_and_field(tmp_path: Path, body: str, words: list[str]):
    (tmp_path / "aa.toml").write_text(GOOD_GROUP, encoding="utf-8")
    (tmp_path / "xx.toml").write_text(body, encoding="utf-8")
    with pytest.raises(ScreeningError) as info:
        Screener.load(tmp_path)
    for word in words:
        assert word in str(info.value)


def test_an_empty_directory_is_an_error(tmp_path: Path):
    with pytest.raises(ScreeningError):
        Screener.load(tmp_path)


# --- the fast path --------------------------------------------------------------------
# Speed is measured in bench/bench_screening.py, not asserted here; these check that the
# fast path (RE2 finding where patterns could match) gives the very answer of running
# every pattern with Python `re` over the whole text, on messages built to be awkward.

ADVERSARIAL = [
    "kill " * 819,
    "a" * 4096,
    "not " * 1000 + "die",
    "i " * 2048,
    "my husband " * 372,
    "i want to " * 409,
    ("im not " * 585)[:4096],
    "tonight " * 512,
    "x" * 4000 + " i want to die",
    "é" * 4096,
    "😭" * 2048,
    "this homework is killing me " * 140 + "and i want to die",
    "im not suicidal, " * 200 + "i want to kill myself",
]


def _chat(joiner: str, name: str = "tuning") -> str:
    """4096 characters of varied everyday chat (a tuning set's negatives, joined)."""
    rows = [r["text"] for r in read_set(SETS[name]) if not r["kinds"]]
    return joiner.join(rows)[:4096]


def test_the_fast_path_never_hides_a_match(screener: Screener):
    texts = [r["text"] for name in ("tuning", "tuning 2", "tuning 3") for r in read_set(SETS[name])]
    texts += ADVERSARIAL + [_chat(joiner, name) for joiner in (". ", " ") for name in ("tuning", "tuning 3")]
    texts.append(" and then ".join(texts[:400])[:4096])  # risk words far apart in one long text
    texts.append(" ".join(texts[::7])[:4096])
    for text in texts:
        assert screener.split(text) == screener.split_slowly(text), text[:80]


def test_when_re2_cannot_tell_python_re_answers(screener: Screener, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(screener._matcher, "hits", lambda data: None)  # as when its automaton is full
    assert screener.screen("i want to die") == {"suicidal"}
    assert screener.screen("this homework is killing me") == frozenset()


def test_a_pattern_re2_cannot_read_is_named(tmp_path: Path):
    (tmp_path / "xx.toml").write_text(
        "[[group]]\nkind = 'suicidal'\nabout = 'x'\npatterns = ['\\bdie\\b', 'ab++c']\n", encoding="utf-8"
    )
    with pytest.raises(ScreeningError) as info:
        Screener.load(tmp_path)
    assert "xx.toml [[group]] #1" in str(info.value) and "ab++c" in str(info.value)
