"""The /learn lessons are data an operator edits: content/practices/lessons.toml and one template
per page under content/templates/learn/<id>/<n>.html. Every page fits a phone screen, whatever
the personal facts are, and page 1 (which may show as a notification preview) uses none."""

from __future__ import annotations

import itertools
import re
import tomllib
from types import SimpleNamespace
from typing import Any

import pytest

from flows.lib import markup
from flows.lib.content import CONTENT_DIR, Content, ThoughtContent

LESSONS_PATH = CONTENT_DIR / "practices" / "lessons.toml"
LEARN_DIR = CONTENT_DIR / "templates" / "learn"

FIELDS = {"id", "title", "topic", "practice", "uses", "pages", "sources"}
TOPICS = {
    "basics", "thoughts", "traps", "beliefs", "action", "mindfulness", "problems",
    "experiments", "practice", "relapse", "evidence",
}  # fmt: skip
PRACTICES = {"thought", "plan", "checkin", "mood", "safetyplan", "experiment", "solve", "beliefs"}
FACTS = ("trap_most", "thoughts_finished", "best_activity", "checkin_change")
PAGE_LIMIT = 400  # visible characters, as Telegram counts them

EMPTY = {"trap_most": None, "thoughts_finished": 0, "best_activity": None, "checkin_change": None}
# The longest values the bot can pass, with characters that must be escaped.
LONG_TRAP = 'Blame & "shoulds" <b>all</b> day'  # 32 characters
LONG_ACTIVITY = 'Call Sam & Jo <i>for a "long"</i> natter'  # 40 characters
RICH = {
    "trap_most": LONG_TRAP,
    "thoughts_finished": 1_000_000,
    "best_activity": LONG_ACTIVITY,
    "checkin_change": -10.0,
}
# Every combination of these is rendered: None/0, edge cases of each fact, and the longest.
VARIANTS = {
    "trap_most": [None, "Mind reading", LONG_TRAP],
    "thoughts_finished": [0, 1, 2, 1_000_000],
    "best_activity": [None, "Walk", LONG_ACTIVITY],
    "checkin_change": [None, 0.0, 0.04, -0.04, 0.05, -0.05, 1.25, 9.95, -9.95, 10.0, -10.0],
}

# A page that states a figure or a research claim needs `sources`.
_FIGURE = re.compile(
    r"\d\s*%|\bper ?cent\b|\bhalf of\b"
    r"|\d[\d,.]*\s*(?:sessions?|weeks?|months?|years?|studies|trials|people|patients)\b"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|\d+) (?:in|out of) (?:\w+)\b"
    r"|\b(?:research|studies|a study|trials|reviews|a review|meta-analys\w+)\b(?:\s+\w+){0,3}?\s+"
    r"(?:show|shows|showed|shown|find|finds|found|suggest|suggests|backs)\b",
    re.IGNORECASE,
)
_GUIDANCE = re.compile(r"\b(?:NICE|WHO|NHS|APA)\b")  # a guideline body, named
_TAG = re.compile(r"</?([a-zA-Z][\w-]*)")
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF]")


def _lessons() -> list[dict[str, Any]]:
    with LESSONS_PATH.open("rb") as handle:
        return tomllib.load(handle)["lesson"]


LESSONS = _lessons()
BY_ID = {lesson["id"]: lesson for lesson in LESSONS}


def _pages(lesson: dict[str, Any]) -> list[str]:
    return [f"learn/{lesson['id']}/{n}" for n in range(1, lesson["pages"] + 1)]


def _all_facts():
    keys = list(VARIANTS)
    for values in itertools.product(*(VARIANTS[key] for key in keys)):
        yield dict(zip(keys, values))


def _render(content: Content, page: str, facts: Any) -> str:
    return content.render(page, facts=facts, settings=None)


# (a) the shape of lessons.toml


def test_there_are_enough_lessons_in_a_learning_path():
    assert len(LESSONS) >= 24


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.get("id", "?"))
def test_every_lesson_has_the_right_shape(lesson: dict[str, Any]):
    assert set(lesson) == FIELDS, f"fields: {sorted(set(lesson) ^ FIELDS)}"
    assert re.fullmatch(r"[a-z0-9_]{1,24}", lesson["id"])
    assert isinstance(lesson["title"], str) and lesson["title"].strip()
    assert len(lesson["title"]) <= 32, "a title is a button label: at most 32 characters"
    assert lesson["topic"] in TOPICS
    assert lesson["practice"] in PRACTICES
    assert isinstance(lesson["uses"], list) and len(set(lesson["uses"])) == len(lesson["uses"])
    assert set(lesson["uses"]) <= set(FACTS)
    assert isinstance(lesson["pages"], int) and not isinstance(lesson["pages"], bool)
    assert 2 <= lesson["pages"] <= 5
    assert isinstance(lesson["sources"], list) and len(set(lesson["sources"])) == len(lesson["sources"])
    assert all(isinstance(url, str) and re.fullmatch(r"https://\S+", url) for url in lesson["sources"])


def test_ids_and_titles_are_unique():
    ids = [lesson["id"] for lesson in LESSONS]
    titles = [lesson["title"] for lesson in LESSONS]
    assert len(set(ids)) == len(ids)
    assert len(set(titles)) == len(titles)


def test_every_thinking_trap_has_its_own_lesson(content: Content):
    traps = [trap.id for trap in content.of(ThoughtContent).trap]
    assert not [trap for trap in traps if trap not in BY_ID], "traps without a lesson"
    for trap in traps:
        assert BY_ID[trap]["topic"] == "traps"
        assert BY_ID[trap]["practice"] == "thought"


def test_the_lessons_cover_the_cbt_model():
    topics = {lesson["topic"] for lesson in LESSONS}
    assert topics == TOPICS
    practices = {lesson["practice"] for lesson in LESSONS}
    assert practices == PRACTICES


def test_personal_facts_are_used_where_they_fit():
    uses = lambda lesson_id: set(BY_ID[lesson_id]["uses"])  # noqa: E731
    assert {"trap_most", "thoughts_finished"} <= uses("thinking_traps") | uses("automatic_thoughts")
    assert any("best_activity" in l["uses"] for l in LESSONS if l["practice"] == "plan")
    assert any("checkin_change" in l["uses"] for l in LESSONS if l["practice"] == "checkin")


def test_each_page_has_a_template_and_there_are_no_strays():
    expected = {f"{page}.html" for lesson in LESSONS for page in _pages(lesson)}
    # A lesson's pages live in learn/<id>/; the flow's own templates (menu, page, ...) beside them.
    found = {f"learn/{path.relative_to(LEARN_DIR).as_posix()}" for path in LEARN_DIR.glob("*/*") if path.is_file()}
    assert not expected - found, "missing templates"
    assert not found - expected, "templates that no lesson shows"


# (b) every page renders to Telegram HTML that fits, with any facts


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson["id"])
def test_every_page_fits_a_phone_screen_with_any_facts(content: Content, lesson: dict[str, Any]):
    for page in _pages(lesson):
        longest = 0
        for facts in [EMPTY, RICH, *_all_facts()]:
            text = _render(content, page, facts)
            markup.check(text)
            length = markup.visible_length(text)
            assert length <= PAGE_LIMIT, f"{page} is {length} characters with {facts}"
            longest = max(longest, length)
            assert set(_TAG.findall(text)) <= {"b", "i", "a"}, f"{page}: only <b>, <i> and <a href>"
            assert len(_EMOJI.findall(text)) <= 1, f"{page}: at most one emoji"
        assert longest >= 80, f"{page} is nearly empty"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson["id"])
def test_pages_use_only_the_facts_their_lesson_declares(content: Content, lesson: dict[str, Any]):
    """Facts a lesson does not declare are missing here, so using one raises (StrictUndefined)."""
    for page in _pages(lesson)[1:]:
        for source in (EMPTY, RICH):
            declared = {key: source[key] for key in lesson["uses"]}
            markup.check(_render(content, page, declared))
            markup.check(_render(content, page, SimpleNamespace(**source)))  # an object works too


@pytest.mark.parametrize("lesson", [l for l in LESSONS if l["uses"]], ids=lambda lesson: lesson["id"])
def test_a_declared_fact_shows_on_some_page(content: Content, lesson: dict[str, Any]):
    visible = {
        "trap_most": LONG_TRAP,
        "thoughts_finished": "1000000",
        "best_activity": LONG_ACTIVITY,
        "checkin_change": "-10.0",
    }
    for fact in lesson["uses"]:
        facts = dict(EMPTY, **{fact: RICH[fact]})
        shown = "".join(markup.visible_text(_render(content, page, facts)) for page in _pages(lesson))
        assert visible[fact] in shown, f"{lesson['id']} declares {fact} but never shows it"


def test_personal_words_are_escaped(content: Content):
    for page in ("learn/thinking_traps/3", "learn/behavioural_activation/5", "learn/relapse_prevention/3"):
        text = _render(content, page, RICH)
        assert "<b>all</b>" not in text and "<i>for" not in text
        assert LONG_TRAP in markup.visible_text(text) or LONG_ACTIVITY in markup.visible_text(text)


def test_a_mood_change_reads_naturally(content: Content):
    def page(change):
        return markup.visible_text(_render(content, "learn/mindfulness/4", dict(EMPTY, checkin_change=change)))

    assert "+1.2 points" in page(1.24)
    assert "-0.8 points" in page(-0.8)
    assert "about the same" in page(0.0) and "about the same" in page(-0.04)
    assert "-0.0" not in page(-0.04) and "+0.0" not in page(0.04)
    assert "points" not in page(None)


def test_counts_read_naturally(content: Content):
    def page(name, **facts):
        return markup.visible_text(_render(content, name, dict(EMPTY, **facts)))

    assert "one thought record" in page("learn/automatic_thoughts/3", thoughts_finished=1)
    assert "3 thought records" in page("learn/automatic_thoughts/3", thoughts_finished=3)
    assert "thought record" not in page("learn/automatic_thoughts/3").split("Catching")[0]
    assert "1 thought record." in page("learn/thinking_traps/3", thoughts_finished=1)
    assert "Mind reading" in page("learn/thinking_traps/3", trap_most="Mind reading", thoughts_finished=4)


# (c) page 1 never uses personal facts


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson["id"])
def test_page_one_is_the_same_for_everyone(content: Content, lesson: dict[str, Any]):
    first = _pages(lesson)[0]
    empty = _render(content, first, EMPTY)
    assert _render(content, first, RICH) == empty
    assert _render(content, first, {}) == empty  # reading any fact at all would raise


# words: sources for figures, no button text, voice


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson["id"])
def test_a_figure_or_research_claim_names_its_source(content: Content, lesson: dict[str, Any]):
    claims = [
        (page, match.group(0))
        for page in _pages(lesson)
        for pattern in (_FIGURE, _GUIDANCE)
        for match in pattern.finditer(markup.visible_text(_render(content, page, EMPTY)))
    ]
    if claims:
        assert lesson["sources"], f"{lesson['id']} states {claims} without sources"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson["id"])
def test_pages_leave_buttons_to_the_bot_and_keep_the_voice(content: Content, lesson: dict[str, Any]):
    for page in _pages(lesson):
        text = markup.visible_text(_render(content, page, RICH)).lower()
        assert "try it now" not in text and "another lesson" not in text, page
        assert not re.search(r"\byou (?:should|must)\b", text), f"{page}: invite, never order"
        assert "!" not in text, f"{page}: no exclamation-mark cheerfulness"
        assert not re.search(r"\b(?:cure[sd]?|guarantee[sd]?|will fix)\b", text), f"{page}: no promises"
