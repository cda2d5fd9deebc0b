"""Risk screening: which kinds of risk a message speaks of.

Every free text a person sends passes `Screener.screen(text)` before any flow sees it. The
answer is a frozenset of kinds (empty when nothing was found):

    suicidal          thoughts or wishes to die or not exist
    plan              a plan, the means, a time or an act already done (always comes with
                      "suicidal" or "self_harm")
    self_harm         hurting oneself
    harm_from_others  abuse, violence or threats from someone else
    harm_to_others    thoughts of harming someone else, unwanted intrusive thoughts included
    under_18          the person says they are under 18

How it works, in the order it happens:
1. `normalise` the text: lowercase (casefold), accents stripped (NFKD), apostrophes deleted
   ("don't" → "dont", "j'ai" → "jai"), hyphens and dashes to spaces, whitespace collapsed,
   letters repeated 3+ times cut to two ("soooo" → "soo").
2. Blank out every *idiom* ("this homework is killing me", "me muero de hambre") so its
   words cannot trigger anything.
3. Find *negations* ("not suicidal", "no quiero morir"). A risk match is dropped only when a
   negation overlaps it and reaches its end, i.e. the negation governs that very phrase;
   anything else in the message is still screened ("im not ok, i want to die" fires).
4. Match the risk *groups*; each group has a kind. A "plan" group also names the kind it
   implies (`implies`, "suicidal" unless it says "self_harm").

The patterns are data: content/screening/<language>.toml, one file per language, all of
them run on every message (people mix languages). Patterns are Python regular expressions
written against the normalised text. Reusable pieces live in the file's `[define]` table
and are used as `{name}`. To keep matching fast on a 4096-character message, a repeated
group must have an upper bound (`(?:\\W+\\w+){0,3}`, never `(...)+` or `(...)*`) and `.*`/`.+`
are refused: use a bounded gap such as `[^.!?\\n]{0,40}`.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

KINDS = ("suicidal", "plan", "self_harm", "harm_from_others", "harm_to_others", "under_18")
PLAN_IMPLIES = ("suicidal", "self_harm")


class ScreeningError(Exception):
    """A pattern file is malformed; the message names the file and the field."""


# ---------------------------------------------------------------------------------------
# Normalisation
_APOSTROPHES = str.maketrans({c: None for c in "'\u2019\u2018\u02bc\u02bb`\u00b4\u2032\u02b9"})
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u200b-\u200f\u2060\ufeff\u00ad]")
_DASHES = re.compile(r"[-\u2010-\u2015\u2212]")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The form patterns are written against (see the module docstring)."""
    t = unicodedata.normalize("NFKD", text.casefold())
    t = _MARKS.sub("", t).translate(_APOSTROPHES)
    t = _DASHES.sub(" ", t)
    t = _REPEATS.sub(r"\1\1", t)
    return _SPACE.sub(" ", t).strip()


# ---------------------------------------------------------------------------------------
# Loading and checking pattern files
_DEFINE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
# Refused because they can make matching slow (unbounded, or a repeated group inside a repeat).
_UNSAFE = [
    (re.compile(r"(?<!\\)\.[*+]"), "'.*' or '.+' (use a bounded gap such as [^.!?\\n]{0,40})"),
    (re.compile(r"(?<!\\)\)[*+]"), "a group repeated with * or + (give it a bound, e.g. {0,3})"),
    (re.compile(r"(?<!\\)\)\{\d*,\}"), "a group repeated without an upper bound"),
    (re.compile(r"\(\?P?<[A-Za-z_]"), "a named group (use (?:...))"),
    (re.compile(r"\(\?[aiLmsux-]+[):]"), "inline flags"),
    (re.compile(r"\\[1-9]"), "a back-reference"),
]
_FILE_KEYS = {"language", "define", "idiom", "negation", "group"}
_GROUP_KEYS = {"kind", "implies", "about", "patterns"}
_LIST_KEYS = {"about", "patterns"}


@dataclass(frozen=True)
class Group:
    """One reviewed group of patterns: where it comes from and what it catches."""

    file: str
    index: int
    section: str  # "group", "idiom" or "negation"
    kind: str  # a KINDS entry for groups; the section name otherwise
    implies: str | None
    about: str
    patterns: tuple[str, ...]
    regex: re.Pattern[str]

    @property
    def name(self) -> str:
        return f"{self.file} [[{self.section}]] #{self.index + 1} ({self.kind})"


def _expand(pattern: str, defines: dict[str, str], where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in defines:
            raise ScreeningError(f"{where}: uses {{{m.group(1)}}} but [define] has no '{m.group(1)}'")
        return defines[m.group(1)]

    return _DEFINE.sub(sub, pattern)


def _check_pattern(pattern: str, where: str) -> None:
    for rule, why in _UNSAFE:
        if rule.search(pattern):
            raise ScreeningError(f"{where}: pattern {pattern!r} uses {why}")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ScreeningError(f"{where}: pattern {pattern!r} is not a valid regular expression: {exc}") from None


def _alternation(patterns: list[str] | tuple[str, ...]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _load_file(path: Path) -> list[Group]:
    name = path.name
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ScreeningError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(raw) - _FILE_KEYS
    if unknown:
        raise ScreeningError(f"{path}: unknown field(s) {sorted(unknown)}; expected {sorted(_FILE_KEYS)}")
    defines_raw = raw.get("define", {})
    if not isinstance(defines_raw, dict):
        raise ScreeningError(f"{path}: [define] must be a table of name = 'pattern'")
    defines: dict[str, str] = {}
    for key, value in defines_raw.items():  # a define may use the ones before it
        where = f"{path} [define] {key}"
        if not isinstance(value, str) or not re.fullmatch(r"[a-z_][a-z0-9_]*", key):
            raise ScreeningError(f"{where}: must be a lowercase name = 'pattern'")
        value = _expand(value, defines, where)
        _check_pattern(value, where)
        defines[key] = f"(?:{value})"
    groups: list[Group] = []
    for section in ("idiom", "negation", "group"):
        entries = raw.get(section, [])
        if not isinstance(entries, list):
            raise ScreeningError(f"{path}: '{section}' must be written [[{section}]]")
        for index, entry in enumerate(entries):
            where = f"{path} [[{section}]] #{index + 1}"
            if not isinstance(entry, dict):
                raise ScreeningError(f"{where}: must be a table")
            allowed = _GROUP_KEYS if section == "group" else _LIST_KEYS
            unknown = set(entry) - allowed
            if unknown:
                raise ScreeningError(f"{where}: unknown field(s) {sorted(unknown)}; expected {sorted(allowed)}")
            kind = entry.get("kind", section) if section == "group" else section
            if section == "group":
                where = f"{where} (kind {kind!r})"
                if kind not in KINDS:
                    raise ScreeningError(f"{where}: kind: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
            implies = entry.get("implies")
            if implies is not None and (kind != "plan" or implies not in PLAN_IMPLIES):
                raise ScreeningError(f"{where}: implies: only a 'plan' group may say implies = 'suicidal' or 'self_harm'")
            if kind == "plan" and implies is None:
                implies = "suicidal"
            about = entry.get("about", "")
            if not isinstance(about, str) or not about.strip():
                raise ScreeningError(f"{where}: about: say in a sentence what this group catches")
            patterns = entry.get("patterns")
            if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) and p for p in patterns):
                raise ScreeningError(f"{where}: patterns: must be a non-empty list of non-empty strings")
            expanded = []
            for number, pattern in enumerate(patterns, 1):
                full = _expand(pattern, defines, f"{where} patterns[{number}]")
                _check_pattern(full, f"{where} patterns[{number}]")
                expanded.append(full)
            groups.append(
                Group(name, index, section, kind, implies, about.strip(), tuple(expanded),
                      re.compile(_alternation(expanded)))
            )
    return groups


# ---------------------------------------------------------------------------------------
# Screening
_BLANK = " ~ "  # what an idiom becomes: a non-word, non-sentence-ending mark


@dataclass(frozen=True)
class Hit:
    """What `Screener.explain` reports: a group that fired and the (normalised) words."""

    kind: str
    group: str
    about: str
    words: str


class Screener:
    """All languages' patterns, compiled once; `screen` is safe to call from any thread."""

    def __init__(self, groups: list[Group]) -> None:
        self.groups = groups
        by_section = {s: [g for g in groups if g.section == s] for s in ("idiom", "negation", "group")}
        idioms = [p for g in by_section["idiom"] for p in g.patterns]
        negations = [p for g in by_section["negation"] for p in g.patterns]
        self._idiom = re.compile(_alternation(idioms)) if idioms else None
        self._negation = re.compile(_alternation(negations)) if negations else None
        # One regex per (kind, implied kind) over all languages: few scans of the text.
        merged: dict[tuple[str, str | None], list[str]] = {}
        for g in by_section["group"]:
            merged.setdefault((g.kind, g.implies), []).extend(g.patterns)
        order = {k: i for i, k in enumerate(KINDS)}
        self._risk = [
            (kind, implies, re.compile(_alternation(pats)))
            for (kind, implies), pats in sorted(merged.items(), key=lambda kv: (order[kv[0][0]], kv[0][1] or ""))
        ]

    @classmethod
    def load(cls, directory: Path) -> "Screener":
        """Read directory/*.toml (one per language), check and compile them."""
        directory = Path(directory)
        files = sorted(directory.glob("*.toml"))
        if not files:
            raise ScreeningError(f"{directory}: no pattern files (*.toml) found")
        groups: list[Group] = []
        for path in files:
            groups.extend(_load_file(path))
        if not any(g.section == "group" for g in groups):
            raise ScreeningError(f"{directory}: no [[group]] of risk patterns in any file")
        return cls(groups)

    # The three steps, shared by screen() and explain().
    def _prepare(self, text: str) -> tuple[str, list[tuple[int, int]]]:
        t = normalise(text)
        if self._idiom is not None and t:
            t = self._idiom.sub(_BLANK, t)
        spans = [m.span() for m in self._negation.finditer(t)] if self._negation is not None and t else []
        return t, spans

    @staticmethod
    def _negated(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
        return any(ns < end <= ne for ns, ne in spans)

    def _first(self, regex: re.Pattern[str], t: str, spans: list[tuple[int, int]]) -> re.Match[str] | None:
        m = regex.search(t)
        while m is not None and spans and self._negated(m.start(), m.end(), spans):
            m = regex.search(t, m.start() + 1)
        return m

    def screen(self, text: str) -> frozenset[str]:
        """The kinds of risk the message speaks of; empty when none."""
        t, spans = self._prepare(text)
        if not t:
            return frozenset()
        found: set[str] = set()
        plan_implies: set[str] = set()
        for kind, implies, regex in self._risk:
            if kind in found and kind != "plan":
                continue
            if kind == "plan" and implies in plan_implies:
                continue
            if self._first(regex, t, spans) is not None:
                found.add(kind)
                if implies:
                    plan_implies.add(implies)
        found |= plan_implies  # a plan always comes with the kind it is a plan for
        return frozenset(found)

    def explain(self, text: str) -> list[Hit]:
        """Every group that fires on `text` and the words it matched: for reviewing patterns."""
        t, spans = self._prepare(text)
        hits = []
        for g in self.groups:
            if g.section != "group":
                continue
            m = self._first(g.regex, t, spans)
            if m is not None:
                hits.append(Hit(g.kind, g.name, g.about, m.group(0)))
        return hits

    def normalised(self, text: str) -> str:
        """The text as risk patterns see it: normalised, idioms blanked."""
        return self._prepare(text)[0]
