"""No message over 400 visible characters (VOICE.md: one phone screen), measured as Telegram
measures it: UTF-16 code units of the text left once its HTML is parsed (tests/fake_telegram.py).

Two ways of looking, so that nothing new slips through:

- **Every template** in content/templates, found on disk (a new one is covered without an
  edit here), is rendered with long, realistic values for each variable it uses: long names,
  every country's crisis lines, every exercise, trap and questionnaire, the most entries a
  page shows, and people's words as long as the code lets them reach the template (a typed
  answer takes up to 1,000 characters; where the code cuts it before quoting, the sample is
  cut by the same code). A template that uses a variable with no sample fails, naming it:
  add the sample to SAMPLES (or to FOR_TEMPLATE when the name means something else there).
- **Walks** through the engine with the longest answers people can give (1,000 characters
  and more, many entries of every kind, every country), where a message is put together
  from several templates or the code cuts their words: every message they bring must fit.

A template or message may go over only if EXCEPTIONS lists it, with the reason.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2 import meta, nodes

from flows.dialogue.core import Ctx, Entry, Reply, Settings
from flows.dialogue import safety
from flows.dialogue.safety import Line
from flows.lib import markup
from flows.lib.content import CONTENT_DIR, HELP_GROUPS, Activities, Content, Exercises, SafetyPlanContent, ThoughtContent
from flows.practices import crisis, experiment, help, journal, next_steps, progress, safetyplan, thought
from flows.practices.beliefs import common as beliefs_common
from flows.practices.beliefs import log as beliefs_log
from flows.practices.beliefs import worksheet
from flows.practices.check import Questionnaires
from flows.practices.learn import FACT_CHARS, Lessons
from flows.practices.plan import listing as plan_listing
from flows.practices.solve import common as solve_common
from flows.registry import REGISTRY
from tests.conftest import Chat, set_up
from tests.fake_telegram import FakeTelegram, utf16_len

LIMIT = 400  # visible characters a message (VOICE.md)

# Templates allowed over the limit, each with its reason. Keep it short: a template here is
# still rendered (Telegram must accept it), only its length is let go.
EXCEPTIONS: dict[str, str] = {
    "safetyplan/plan": "their own safety plan, shown whole when they ask for it: a section longer than a screen "
                       "gets a message of its own, because cutting it could cut a name or a number they need",
    "journal/hidden_words": "their own words, which they tapped to see: each field whole, in a message of its own",
}

# ----------------------------------------------------------------------------- measuring

_TELEGRAM = FakeTelegram()  # not started: only its HTML parser is used


def telegram_length(html: str) -> int:
    """What Telegram counts: the visible text once the HTML is parsed, surrounding space
    stripped, in UTF-16 code units. Raises where Telegram would refuse the HTML."""
    _, visible, _ = _TELEGRAM._formatted(html, "HTML")
    return utf16_len(visible)


def visible(html: str) -> str:
    return _TELEGRAM._formatted(html, "HTML")[1]


TEMPLATES = sorted(str(p.relative_to(CONTENT_DIR / "templates"))[: -len(".html")] for p in (CONTENT_DIR / "templates").rglob("*.html"))

# ------------------------------------------------------------------- long, realistic words

# Someone's words, as long as a typed answer may be (1,000 characters), with the characters
# that HTML escapes, in a sentence that reads like a real one.
LONG = (
    "When my manager asked to see me after the Monday meeting, I was sure I'd done something wrong again, "
    "because last week the report went out late & nobody said anything about it, which somehow made it worse. "
    "I kept replaying the <conversation> in my head on the bus home, going over every word I'd said and every "
    "look on people's faces, and by the time I got in I'd decided they were all talking about me behind my back. "
    "My sister says I always assume the worst, and maybe she's right, but it doesn't feel like assuming when it's "
    "happening; it feels like seeing clearly for once. I couldn't eat much, I scrolled my phone until two in the "
    "morning, and I woke up with my stomach in knots before the alarm even went off. I almost called in sick. "
    "Then I remembered that the last time I felt like this, the meeting turned out to be about a new project they "
    "wanted me to lead, and I'd spent a whole weekend dreading good news. I still can't shake the feeling that "
    "this time will be different, that this time they've finally noticed I'm not good enough for the job."
)
assert len(LONG) >= 1000
LONG_NAME = "Maria-Alejandra Konstantinopoulou-Fitzgerald"  # a long name (an activity, a word)
NOW = datetime(2026, 11, 24, 21, 30, tzinfo=timezone.utc)
SOON = "2026-11-25T20:45:00+00:00"
LONG_ZONE = "America/Argentina/ComodRivadavia"  # a long time-zone name
EMOTIONS = ["overwhelmed and exhausted by it all", "ashamed", "anxious", "frustrated with myself", "lonely", "hopeless about work"]


def cut(text: str | None, limit: int) -> str | None:
    return markup.shorten(text, limit)


def settings_variants(content: Content) -> list[Settings]:
    everything = Settings(consent=True, country="GB", timezone=LONG_ZONE, reminder="20:30", onboarded=True,
                          lesson_time="07:45", weekly="sun 20:00", belief_log="21:30")
    elsewhere = Settings(consent=False, country="NG", timezone="UTC+05:30", onboarded=True)
    return [everything, elsewhere, Settings()]


# ------------------------------------------------------------- entries, as the code keeps them


def entries(content: Content) -> dict[str, dict[str, Any]]:
    """One entry's data of every kind, each field as long as it can be."""
    traps = [t.name for t in content.of(ThoughtContent).trap]
    step = {"text": LONG[:200], "when": SOON}
    return {
        "mood": {"score": 3, "emotions": EMOTIONS, "note": LONG[:500], "hidden": []},
        "thought": {
            "situation": LONG, "emotion": EMOTIONS[0], "emotions": EMOTIONS, "intensity_before": 90, "intensity_after": 55,
            "thought": LONG, "belief_before": 95, "belief_after": 60, "traps": traps[:5], "trap_ids": [],
            "evidence_for": LONG, "evidence_against": LONG, "balanced": LONG, "quick": False, "hidden": [],
        },
        "checkin": {"exercise": "body_scan", "exercise_name": "Body scan", "mood_before": 2, "mood_after": 6,
                    "stopped": True, "noticed": " · ".join([LONG[:500]] * 5), "change": 4},
        "activity": {"label": LONG[:120], "category": "pleasure", "when": SOON, "predicted": 3, "pleasure": 8,
                     "mastery": 7, "mood": 6, "status": "done"},
        "check": {"questionnaire": "phq9", "name": "PHQ-9", "answers": [3] * 9, "total": 27, "band": "moderately severe"},
        "solve": {"problem": LONG[:400], "goal": LONG[:400], "ideas": [{"text": LONG[:150], "helpful": 9, "doable": 8}] * 6,
                  "chosen": 0, "steps": [step] * 9, "reminders": True, "review": True, "status": "planned",
                  "reviews": [{"did": "partly", "helped": 7, "next": "step"}], "hidden": []},
        "experiment": {"belief": LONG[:300], "belief_before": 90, "belief_after": 40, "prediction": LONG[:300],
                       "know": LONG[:300], "what": LONG[:300], "where": LONG[:100], "obstacles": LONG[:300],
                       "outcome": LONG[:300], "compared": "not_at_all", "learned": LONG[:300], "when": SOON,
                       "status": "done", "hidden": []},
        "belief": {"source": "new", "thought": LONG, "arrow1": LONG, "arrow2": LONG, "arrow3": LONG, "arrow4": LONG,
                   "belief": LONG[:300], "belief_rating": 95, "evidence": LONG, "balanced": LONG[:300],
                   "balanced_rating": 35, "log": True, "hidden": []},
        "belief_log": {"note": LONG[:300], "hidden": []},
    }


def journal_views(content: Content) -> dict[str, dict]:
    """Each kind's entry as a journal page shows it (journal.view cuts its fields)."""
    from flows.dialogue.core import Entry

    return {kind: journal.view(Entry(7, kind, NOW.isoformat(), data)) for kind, data in entries(content).items()}


# --------------------------------------------------------------------------------- samples


def samples(content: Content) -> dict[str, list[Any]]:
    """Each variable name: the values a template may get, the longest first."""
    lines = content.crisis_lines
    services = [s for code in lines for s in (*lines[code].crisis, *lines[code].youth, *lines[code].domestic_abuse)]
    spoken = [Line(s.name, s.phone or s.sms or "", text_only=not s.phone) for s in services]
    longest_line = max(spoken, key=lambda line: len(line.name) + len(line.number))
    abuse_lines = [safety.abuse_line(country) for country in lines.values()]
    longest_abuse = max(filter(None, abuse_lines), key=lambda line: len(line.name) + len(line.number))
    exercises = content.of(Exercises).exercise
    questionnaires = content.of(Questionnaires).questionnaire
    traps = content.of(ThoughtContent).trap
    examples = content.of(experiment.Examples).example
    lessons = content.of(Lessons).lesson
    activities = content.of(Activities)
    families = content.of(beliefs_common.BeliefsContent).family
    views = journal_views(content)
    every_kind = [views[kind] for kind in content.records]
    long_quote = cut(LONG, 300)
    step_views = solve_common.step_views({}, [{"text": LONG[:200], "when": SOON}] * solve_common.MAX_STEPS)
    return {
        # where they are
        "position": [3], "total": [27], "n": [7], "number": [1, 2, 3, 4], "of": [4], "count": [1234, 1, 0],
        "steps": [9], "round": [4], "pages": [12], "page": [1], "read": [13], "needed": [3], "depth": [4],
        "top": [100], "limit": [1000], "seconds": [4, 0],
        # yes or no
        "kept": [True, False], "hurt": [True, False], "checkin": [True, False], "acknowledge": [True, False],
        "offers_grounding": [True, False], "stopped": [True, False], "low": [True, False], "has_country": [False, True],
        "in_flow": [True, False], "more": [True, False], "matched": [True, False], "moving": [False, True],
        "next_day": [True, False], "none_left": [True, False], "reliable": [True, False], "due": [True, False],
        "finished": [True, False], "review": [True, False], "reviewed": [True, False], "act": [True, False],
        "emergency_first": [True, False], "last": [True, False], "plan": [True, False],
        "again": [True, False], "done": [False, True], "good": [True, False], "typed": [LONG, "25:99"],
        # the person
        "settings": settings_variants(content),
        "data": [{"emotions": EMOTIONS, "stopped": True, "consent_withdrawn": True}, {}],
        "now": [NOW],
        "quote": [long_quote, None],
        "abuse": [longest_abuse, None],
        "line": [longest_line, None],
        "emergency": ["1 800 799 7233", None],
        # an activity's gentle note (content/practices/activities.toml: at most 160 characters)
        "note": [("Old photos can bring back sad memories as well as happy ones. " * 3)[:160], None],
        "lines": [list(lines.values())[0]],  # each country's: FOR_TEMPLATE
        "kinds": [frozenset(k) for k in ({"suicidal"}, {"harm_from_others"}, {"harm_to_others"}, {"plan", "suicidal"}, {"act"})],
        "directory": content.international.directory,
        "directories": [content.international.directory],
        "country": list(lines),
        "service": services,
        "asked": [LONG, "Nigeria", None],
        "command": [LONG],
        "media": ["voice", "sticker", "photo"],
        "name": [max((content.button(k) for k in content._buttons if k.startswith("nudge_")), key=len)],
        "commands": [content.commands],
        "counts": [{kind: 1234 for kind in content.records}],
        "words": [{"situation": LONG, "thought": LONG}],
        # entries and practices
        "e": every_kind, "how": [{}], "score": [10, 2], "first": [True, False],
        "entries": [every_kind[: journal.PER_PAGE]],
        "kind": ["all", *content.records],
        "exercise": exercises,
        "exercises": [exercises],
        "text": [s.text for e in exercises for s in e.step],
        "before": [9], "after": [2, 10],
        "q": questionnaires,
        "questionnaires": [questionnaires],
        "item": [item for q in questionnaires for item in q.items],
        "band": ["moderately severe"],
        "change": [-12, 0, 7, None],
        "trap": traps,
        "explained": [max(traps, key=lambda t: len(t.explain) + len(t.example)), None],
        "picked": [[t.name for t in traps], []],
        "questions": [sorted((q for t in traps for q in t.questions), key=len)[-3:]],
        "emotion": [EMOTIONS[0], None],
        "feeling": [EMOTIONS[0]],
        "hidden": [[]],
        "d": [entries(content)["thought"]],
        "family": [*families, None],
        "thoughts": [[cut(LONG, worksheet.PICK_CHARS)] * worksheet.RECENT],
        "log": ["21:30", None],
        "example": [*examples, None],
        "part": [max((getattr(e, f) for e in examples for f in ("prediction", "know", "what", "where", "obstacles", "outcome", "learned")), key=len)],
        "belief": [cut(LONG, experiment.QUOTE_CHARS), None],
        "prediction": [cut(LONG, experiment.QUOTE_CHARS), None],
        "know": [cut(LONG, experiment.QUOTE_CHARS), None],
        "what": [cut(LONG, experiment.QUOTE_CHARS), None],
        "compared": ["as_predicted", "partly", "not_at_all"],
        "said": [{k: cut(LONG, experiment.SUMMARY_CHARS) for k in ("what", "prediction", "know", "obstacles", "outcome", "learned")}],
        "when": [SOON],
        "follow_up": [SOON],
        "day": [date(2026, 11, 26), date(2026, 11, 24)],
        "today": [date(2026, 11, 24)],
        "tomorrow": [date(2026, 11, 25)],
        "local_now": [NOW],
        "at": [NOW],
        "facts": [{"trap_most": max((t.name for t in traps), key=len), "thoughts_finished": 123,
                   "best_activity": cut(LONG, FACT_CHARS), "checkin_change": 2.5},
                  {"trap_most": None, "thoughts_finished": 1, "best_activity": None, "checkin_change": -1.5},
                  {"trap_most": None, "thoughts_finished": 0, "best_activity": None, "checkin_change": None}],
        "time": ["07:45"],
        "suggested": [max(lessons, key=lambda lesson: len(lesson.title)), None],
        "lesson": lessons[:1],
        "category": activities.category,
        "level": ["easy", "medium", "hard"],
        "label": [cut(LONG, 120), None],
        "mode": ["rate", "move", "new"],
        "mastery": [9, 2], "pleasure": [8, 3], "predicted": [5, None],
        "planned": [[{**views["activity"]["data"], "label": cut(LONG, plan_listing.LABEL_CHARS), "status": "reminded"}] * plan_listing.LATEST],
        "missed": [[{**views["activity"]["data"], "label": cut(LONG, plan_listing.LABEL_CHARS), "status": "missed"}] * plan_listing.LATEST],
        "averages": [{"expected": 5.5, "felt": 7.25}, None],
        "start": [date(2026, 10, 26)], "end": [date(2026, 11, 24)],
        "moods": [[(date(2026, 11, 1) + timedelta(days=i), i % 11) for i in range(24)]],
        "mood_low": [0], "mood_high": [10], "mood_mean": [5.5], "mood_halves": [[4.5, 6.5], [None, 6.5]],
        "scores": [[{"q": q, "results": [(date(2026, 11, d), 27, "moderately severe") for d in range(1, 24, 3)]} for q in questionnaires]],
        "best": [cut(LONG, 40)], "checkin_before": [3.5], "checkin_after": [6.5], "expected": [4.5], "felt": [7.5],
        "experiments": [12], "solved": [12], "traps": [[t.name for t in traps][:3]],
        "practised": [Counter({kind: 12 for kind in content.records})], "this_week": [5.5, None], "last_week": [4.5, None],
        "suggestion": [{"command": "learn", "lesson": max(lessons, key=lambda lesson: len(lesson.title)).title},
                       {"command": "learn", "lesson": None}, {"command": "checkin"}],
        "current": [LONG, None],
        "section": content.of(SafetyPlanContent).section,
        "sections": [content.of(SafetyPlanContent).section],
        "problem": [cut(LONG, solve_common.QUOTE_CHARS), None],
        "goal": [cut(LONG, solve_common.QUOTE_CHARS), None],
        "idea": [cut(LONG, solve_common.QUOTE_CHARS), None],
        "ideas": [[cut(LONG, solve_common.SHORT_CHARS)] * solve_common.MAX_IDEAS, []],
        "chosen": [cut(LONG, solve_common.QUOTE_CHARS), None],
        "table": [[{"text": cut(LONG, solve_common.TABLE_CHARS), "helpful": 10, "doable": 10}] * solve_common.MAX_IDEAS],
        "step": [step_views[0], {"text": None, "when": SOON}],
        "did": ["yes", "partly", "no"],
        "helped": [10, None],
        "next": ["sorted", "leave", "idea", "step"],
        "review_at": [SOON, None],
    }


def _ctx(content: Content, history: list | None = None, plan: dict | None = None, settings: Settings | None = None,
         language: str = "") -> Ctx:
    """A person with these entries, safety plan and settings, as the code sees them."""
    ctx = Ctx.bare(content, NOW, settings or settings_variants(content)[0], records=REGISTRY.records)
    ctx.state.history = list(history or [])
    ctx.state.safety.plan = dict(plan or {})
    ctx.state.language = language
    return ctx


def long_history(content: Content, each: int = 4) -> list[Entry]:
    """`each` entries of every kind, every field as long as it can be, newest first."""
    made = [Entry(i * 100 + n, kind, (NOW - timedelta(hours=i * 100 + n)).isoformat(), dict(data))
            for i, (kind, data) in enumerate(entries(content).items()) for n in range(each)]
    hidden = [Entry(9000 + i, kind, NOW.isoformat(), {**data, "hidden": sorted(k for k, v in data.items() if isinstance(v, str))})
              for i, (kind, data) in enumerate(entries(content).items())]
    return sorted([*made, *hidden], key=lambda e: e.at, reverse=True)


def by_the_code(content: Content) -> dict[str, Any]:
    """Templates whose messages the code puts together (several parts, or their words cut to
    fit a screen): measured as the code renders them, with the longest words it can get."""
    lines = content.crisis_lines
    history = long_history(content)
    plan = {section.key: LONG for section in content.of(SafetyPlanContent).section}
    short_plan = {section.key: LONG[:50] for section in content.of(SafetyPlanContent).section}
    data = entries(content)
    kinds = [frozenset(k) for k in ({"suicidal"}, {"self_harm"}, {"harm_from_others"}, {"harm_to_others"}, {"plan", "suicidal"},
                                     {"act", "suicidal"}, {"act", "harm_from_others", "under_18"}, {"plan", "harm_from_others", "under_18"},
                                     {"harm_to_others", "under_18"}, {"under_18"})]

    def every_page() -> list[str]:
        ctx = _ctx(content, history)
        return [journal.page(ctx, kind, n).text for kind in ("all", *content.records) for n in range(3)]

    def responses() -> list[str]:
        said = []
        for code in [*lines, None]:
            for found in kinds:
                ctx = _ctx(content, settings=Settings(country=code))
                said += [r.text for r in safety.respond(ctx, ctx.state, found, NOW).replies]
        return said

    def hidden_words() -> list[str]:
        ctx = _ctx(content, history)
        return [r.text for e in history if e.data.get("hidden") for r in journal.press_show_hidden(ctx, str(e.id)).replies]

    def thought_cards() -> list[str]:
        variants = [data["thought"], {**data["thought"], "quick": True}, {**data["thought"], "hidden": ["situation", "thought"]}]
        return [r.text for d in variants for r in thought.summary(_ctx(content), d)]

    def activities() -> list[str]:
        ctx = _ctx(content, [Entry(i, "activity", NOW.isoformat(), {**data["activity"], "status": status, "when": SOON})
                             for i, status in enumerate(["planned", "reminded", "done", "missed"] * 6)])
        return [plan_listing.show(ctx).text]

    kinds_pages = {f"journal/{kind}": (lambda kind=kind: [journal.page(_ctx(content, history), kind, n).text for n in range(6)])
                   for kind in content.records}
    return {
        **kinds_pages,
        "crisis/more": lambda: [r.text for code in lines for r in crisis.more(_ctx(content), lines[code])],
        "crisis/fallback": lambda: [crisis.fallback(_ctx(content, settings=Settings(country=c)), asked, code).text
                                    for c in (None, "GB", "NG") for asked, code in ((None, None), (LONG, None), ("Nigeria", "NG"))],
        "safetyplan/plan": lambda: [r.text for p in (plan, short_plan) for r in safetyplan.show_plan(_ctx(content, plan=p))],
        "journal/page": every_page,
        "journal/hidden_words": hidden_words,
        "thought/summary": thought_cards,
        "thought/summary_after": thought_cards,
        "plan/list": activities,
        "safety/response": responses,
        "progress/details": lambda: [r.text for r in progress.show(_ctx(content, long_history(content, each=12)), "")[1:]],
        "general/help": lambda: [r.text for r in help.show(_ctx(content), "")],
        "general/help_group": lambda: [r.text for g in HELP_GROUPS for r in help.press_group(_ctx(content), g).replies],
    }


def for_template(content: Content) -> dict[str, dict[str, list[Any]]]:
    """Where a name means something else (a template, or every template in a folder)."""
    data = entries(content)
    lines = content.crisis_lines
    shown_lines = [safety.numbers_for(c, frozenset({"harm_from_others", "under_18"}))[0] for c in lines.values()]
    three = [dict(data["activity"], label=cut(LONG, plan_listing.LABEL_CHARS))] * plan_listing.LATEST
    views = journal_views(content)
    per_kind = {f"journal/{kind}": {"e": [views[kind], journal.view(Entry(8, kind, NOW.isoformat(), {**data[kind], "hidden": sorted(data[kind])}))]}
                for kind in content.records}
    return {
        **per_kind,
        "crisis/card": {"lines": list(lines.values())},
        "safety/": {"lines": shown_lines},
        "thought/saved": {"d": [data["thought"], {**data["thought"], "belief_after": 99, "intensity_after": 99, "traps": []}]},
        "thought/questions": {"questions": [sorted((t.questions[0] for t in content.of(ThoughtContent).trap), key=len)[-2:]
                                            + sorted(content.of(ThoughtContent).general_questions, key=len)[-1:]]},
        "thought/": {"quote": [cut(LONG, thought.STEP_QUOTE_CHARS), None]},
        "beliefs/": {"quote": [cut(LONG, max(worksheet.QUOTE_CHARS, beliefs_log.QUOTE_CHARS)), None]},
        "beliefs/name": {"quote": [cut(LONG, worksheet.NAME_QUOTE_CHARS), None]},
        "beliefs/summary": {"d": [worksheet.summary_fields(data["belief"])]},
        "beliefs/log_saved": {"count": [123, 1]},
        "experiment/done": {"d": [data["experiment"], {**data["experiment"], "belief_after": 95, "compared": "as_predicted"}]},
        "experiment/show": {"d": [data["experiment"]], "said": [{k: experiment.shown(data["experiment"], k, experiment.SHOWN_CHARS) for k in ("what", "prediction", "know", "obstacles")}]},
        "experiment/summary": {"d": [data["experiment"]], "said": [{k: experiment.shown(data["experiment"], k, experiment.SUMMARY_CHARS) for k in ("prediction", "outcome", "learned")}]},
        "experiment/rerate": {"before": [85, None]},
        "experiment/saved": {"prediction": [cut(LONG, experiment.SUMMARY_CHARS), None]},
        "settings/country_set": {"settings": settings_variants(content)[:2]},
        "settings/timezone_set": {"settings": settings_variants(content)[:2]},
        "settings/timezone_one": {"settings": settings_variants(content)[:1]},  # a country with one zone, set
        "solve/saved": {"d": [data["solve"]], "ideas": [6]},
        "solve/": {"steps": [solve_common.step_views({}, [{"text": LONG, "when": SOON}] * solve_common.MAX_STEPS)]},
        "solve/reviewed": {"chosen": [cut(LONG, solve_common.SHORT_CHARS), None]},
        "solve/summary": {k: [cut(LONG, solve_common.SHORT_CHARS), None] for k in ("problem", "goal", "chosen")},
        "solve/ideas_more": {"count": [0, 1]},
        "solve/_idea": {"count": [6]},
        "solve/helpful": {"count": [6]},
        "solve/doable": {"count": [6]},
        "checkin/saved": {"typed": [True, False], "before": [9], "after": [2, 10]},
        "plan/list": {"planned": [three, []], "done": [three, []], "missed": [three, []]},
        "plan/activity": {"suggested": ["medium", "easy"]},
        "progress/": {"counts": [{kind: 45 for kind in content.records}]},
        "progress/little": {"moods": [2, 0]},
        "progress/weekly_on": {"when": ["sun 20:00"]},
        "safetyplan/ask": {"suggestion": ["Samaritans 116 123", None]},
        "safetyplan/plan": {"plan": [{section.key: LONG[:50] for section in content.of(SafetyPlanContent).section}, {}]},
        "data/": {"plan": [True, False]},
        "learn/page": {"lesson": content.of(Lessons).lesson[:1], "page": [1]},
        "journal/hidden_words": {"words": [LONG[:300]], "kind": ["Thought record"], "when": ["Tue 24 Nov, 21:30"]},
        "next/helped_saved": {"said": [cut(LONG, next_steps.SHOWN_CHARS), None]},
    }


# ----------------------------------------------------------------------- finding variables


def _variables(env: jinja2.Environment, name: str, seen: set[str] | None = None) -> set[str]:
    """What a template (and whatever it includes by a fixed name) reads from its context."""
    seen = seen if seen is not None else set()
    if name in seen:
        return set()
    seen.add(name)
    source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
    ast = env.parse(source)
    found = meta.find_undeclared_variables(ast) - set(env.globals)
    for included in meta.find_referenced_templates(ast):
        if included is not None:
            found |= _variables(env, included, seen)
    return found


def _combinations(options: dict[str, list[Any]], most: int = 400) -> list[dict[str, Any]]:
    """Every combination when there are few; else each variant of each name with the others at
    their first (longest) value."""
    names = sorted(options)
    if not names:
        return [{}]
    total = 1
    for name in names:
        total *= len(options[name])
    if total <= most:
        return [dict(zip(names, values)) for values in itertools.product(*(options[n] for n in names))]
    first = {n: options[n][0] for n in names}
    return [first] + [{**first, n: v} for n in names for v in options[n][1:]]


@pytest.fixture(scope="module")
def catalogue(content: Content) -> tuple[dict, dict]:
    return samples(content), for_template(content)


def _options_for(template: str, needed: set[str], catalogue: tuple[dict, dict]) -> dict[str, list[Any]]:
    general, special = catalogue
    chosen: dict[str, list[Any]] = {}
    overrides: dict[str, list[Any]] = {}
    for key in sorted(special, key=len):  # a folder's first, then the template's own
        if template == key or (key.endswith("/") and template.startswith(key)):
            overrides.update(special[key])
    missing = []
    for name in sorted(needed):
        if name in overrides:
            chosen[name] = overrides[name]
        elif name in general:
            chosen[name] = general[name]
        else:
            missing.append(name)
    if missing:
        pytest.fail(f"templates/{template}.html uses {', '.join(missing)}: add a long, realistic sample to "
                    f"SAMPLES in tests/test_lengths.py (or FOR_TEMPLATE if the name means something else there)")
    return chosen


def _measured(template: str, content: Content, catalogue) -> list[str]:
    """The messages a template can make: as the code renders them where it puts them
    together, else rendered from the samples."""
    made = by_the_code(content).get(template)
    if made is not None:
        return made()
    needed = _variables(content.env, f"{template}.html")
    if template.startswith("learn/") and template.split("/")[-1].isdigit():
        needed.discard("lesson")  # a lesson's page, included by learn/page
    options = _options_for(template, needed, catalogue)
    texts = []
    for variables in _combinations(options):
        try:
            texts.append(content.render(template, **variables))
        except jinja2.UndefinedError as exc:
            pytest.fail(f"templates/{template}.html with {sorted(variables)}: {exc}; give it a fitting sample in FOR_TEMPLATE")
    return texts


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_fits_a_phone_screen_with_long_data(template: str, content: Content, catalogue):
    longest, worst = 0, ""
    for text in _measured(template, content, catalogue):
        if not text.strip():
            continue  # nothing to say in this case (the code sends nothing)
        markup.check(text)  # Telegram would accept it
        length = telegram_length(text)
        if length > longest:
            longest, worst = length, text
    if template in EXCEPTIONS:
        return
    assert longest <= LIMIT, f"templates/{template}.html can reach {longest} characters:\n{visible(worst)}"


def test_every_exception_is_a_template_and_has_a_reason():
    assert all(template in TEMPLATES and reason.strip() for template, reason in EXCEPTIONS.items())


# ------------------------------------------------------------------------------- the walks


@pytest.fixture
def said(content: Content, monkeypatch):
    """What the bot says in a walk: `said.extend(replies)`, then `said.check()` fails on any
    message over the limit (naming its template) unless its template is an exception."""
    made: dict[str, str] = {}
    render = content.render

    def recording(template: str, **variables: Any) -> str:
        text = render(template, **variables)
        made[text] = template
        return text

    monkeypatch.setattr(content, "render", recording)

    class Said(list):
        def check(self) -> int:
            """The longest message that is not an exception; fails naming any over the limit."""
            over, longest = [], 0
            for reply in self:
                markup.check(reply.text)
                length = telegram_length(reply.text)
                template = made.get(reply.text, "(put together by the code)")
                if template in EXCEPTIONS:
                    continue
                longest = max(longest, length)
                if length > LIMIT:
                    over.append(f"{template}: {length}\n{visible(reply.text)}")
            assert not over, "\n\n".join(over)
            return longest

    return Said()


async def walk(chat: Chat, said: list, *steps: str) -> None:
    """Send or tap, in turn: a step starting with "[" taps the button of that label."""
    for step in steps:
        said.extend(await (chat.press(step[1:-1]) if step.startswith("[") else chat.send(step)))


async def test_crisis_for_every_country_its_more_lines_and_a_long_plan_each_fit(chat: Chat, said, content: Content):
    await set_up(chat)
    await walk(chat, said, "/safetyplan", *[LONG[:1000]] * 7)
    await walk(chat, said, "/crisis", "[My safety plan]", "/crisis", "[More help lines]")
    for code in content.crisis_lines:
        await walk(chat, said, f"/crisis {code}", "[More help lines]")
    await walk(chat, said, "/crisis Nigeria", f"/crisis {LONG}", "/country Nigeria", "/crisis")
    await walk(chat, said, "/country GB", "I want to die, I have a plan", "[Not safe]", "[There's no one]")
    assert "Are you safe right now?" in "".join(r.text for r in said)
    said.check()


async def test_a_thought_record_with_a_1000_character_answer_at_every_step_fits(chat: Chat, said, content: Content):
    await set_up(chat)
    traps = [trap.name for trap in content.of(ThoughtContent).trap]
    await walk(chat, said, "/thought", "[Full record]", LONG[:1000], ", ".join(e[:40] for e in EMOTIONS)[:300])
    await walk(chat, said, f"[{chat.labels()[0]}]", "[90]", LONG[:1000], "[80]", "[More traps]")
    for name in traps:
        await walk(chat, said, f"[{name}]")
    await walk(chat, said, "[What's this?]", "[Done]", LONG[:1000], LONG[:1000], LONG[:1000], "[30]", "[40]")
    await walk(chat, said, "/thought", "[Quick version]", LONG[:1000], LONG[:1000], "[More traps]", f"[{traps[0]}]", "[Done]",
               LONG[:1000])
    text = "".join(r.text for r in said)
    assert "Your thought record" in text and "Looking again" in text and "…" in text
    said.check()


async def test_a_journal_of_long_entries_of_every_kind_fits_page_by_page(chat: Chat, said, content: Content, storage):
    await set_up(chat)
    state = await storage.load(chat.user_id, chat.user_id)
    state.changes.saves = long_history(content, each=3)
    await storage.save(state)
    pages = 0
    for kind in ("all", *content.records):
        await walk(chat, said, f"/journal {kind}")
        while "Older ›" in chat.labels():
            await walk(chat, said, "[Older ›]")
            pages += 1
        while "‹ Newer" in chat.labels():
            await walk(chat, said, "[‹ Newer]")
    reveal = next(label for label in chat.labels() if label.startswith("Show hidden words"))
    await walk(chat, said, f"[{reveal}]")
    assert pages > 10 and "#" not in reveal
    said.check()


async def test_everyday_answers_fit(chat: Chat, said):
    await set_up(chat)
    await walk(chat, said, "/help", "[More practices]", "[Progress and lessons]", "[Settings]", "[Your data]")
    await walk(chat, said, "/checkin", "[4]", "[Body scan]", "[Pick another]", "[Leaves on a stream]", "/cancel")
    await walk(chat, said, "/mood", "[3]", ", ".join(EMOTIONS)[:300], LONG[:500])
    await walk(chat, said, f"/{LONG[:60].replace(' ', '_')}", f"/timezone {LONG}", f"/reminder {LONG}", f"/country {LONG}")
    await walk(chat, said, "/settings", "/progress", "/learn", "/cancel", "/plan list", "/delete", "[No, keep it]")
    said.check()
