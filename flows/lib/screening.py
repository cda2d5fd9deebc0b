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
   letters repeated 3+ times cut to two ("soooo" → "soo"). Patterns are folded the same way.
2. Match the risk *groups*; each group has a kind. A "plan" group also names the kind it
   implies (`implies`, "suicidal" unless it says "self_harm").
3. A risk match does not count if it overlaps an everyday *idiom* ("this homework is
   killing me", "me muero de hambre"), or if a *negation* overlaps it and reaches its end,
   i.e. governs that very phrase ("not suicidal", "no quiero morir"). Anything else in the
   message still counts ("im not ok, i want to die" fires).

The patterns are data: content/screening/<language>.toml, one file per language, all of
them run on every message (people mix languages). Patterns are Python regular expressions
written against the normalised text. Reusable pieces live in the file's `[define]` table
and are used as `{name}`. A repeated group must have an upper bound (`(?:\\W+\\w+){0,3}`,
never `(...)+` or `(...)*`) and `.*`/`.+` are refused: use a bounded gap such as
`[^.!?\\n]{0,40}`.

Speed: Python's `re` backtracks, and a thousand patterns over a long message would cost
many milliseconds, so RE2 (linear time, no backtracking) first finds the few patterns
that could match and where (see _Matcher); Python `re` then checks just those places.
`screen_slowly` runs every pattern with `re` alone: the tests check both always agree.
"""

from __future__ import annotations

import bisect
import itertools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import re2

KINDS = ("suicidal", "plan", "self_harm", "harm_from_others", "harm_to_others", "under_18")
PLAN_IMPLIES = ("suicidal", "self_harm")


class ScreeningError(Exception):
    """A pattern file is malformed; the message names the file and the field."""


# ---------------------------------------------------------------------------------------
# Normalisation
_APOSTROPHES = "'\u2019\u2018\u02bc\u02bb`\u00b4\u2032\u02b9"
_DASH_CHARS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u200b-\u200f\u2060\ufeff\u00ad]")
_MARK_RUN = re.compile(_MARKS.pattern + "+")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_LIGATURES = (("\u0153", "oe"), ("\u00e6", "ae"))


# Quick checks, with RE2 (one linear scan, no backtracking), for the rare texts that need
# a slower step: a letter repeated 3+ times; anything left that is not ASCII once accents
# are gone; whitespace other than single spaces.
_TRIPLE = re2.compile("|".join(c * 3 for c in _LETTERS))
_NOT_ASCII_OR_MARK = re.compile(r"[^\x00-\x7f\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u200b-\u200f\u2060\ufeff\u00ad]+")
_UNTIDY_SPACE = re2.compile(r"\s\s|[\t\n\r\f\v]|^\s|\s$")


def _collapse_repeats(t: str) -> str:
    """Letters repeated 3+ times → two ("soooo" → "soo"). t is ASCII."""
    return _REPEATS.sub(r"\1\1", t) if _TRIPLE.search(t) is not None else t


def normalise(text: str) -> str:
    """The form patterns are written against (see the module docstring). Always ASCII:
    accents are stripped, and what is left that is not ASCII (emoji, other scripts) becomes
    a space, since no pattern looks for it."""
    t = text.casefold()
    if t.isascii():  # the usual case: str.replace is far faster than str.translate
        for c in "'`":
            if c in t:
                t = t.replace(c, "")
        if "-" in t:
            t = t.replace("-", " ")
    else:
        for c in _APOSTROPHES:
            if c in t:
                t = t.replace(c, "")
        for c in _DASH_CHARS:
            if c in t:
                t = t.replace(c, " ")
        for ligature, letters in _LIGATURES:  # no accent to strip: spelled out ("sœur")
            if ligature in t:
                t = t.replace(ligature, letters)
        t = unicodedata.normalize("NFKD", t)
        if _NOT_ASCII_OR_MARK.search(t) is not None:  # emoji, other scripts: a space each run
            t = _NOT_ASCII_OR_MARK.sub(" ", t)
        t = t.encode("ascii", "ignore").decode("ascii")  # what is left: accents
    t = _collapse_repeats(t)
    return " ".join(t.split()) if _UNTIDY_SPACE.search(t) is not None else t


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
_GROUP_KEYS = {"kind", "implies", "about", "patterns", "level"}
LEVELS = ("respond", "ask")  # a group's `level`: certain (the default), or only probable
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
    level: str = "respond"  # "ask": words that are often everyday ("I'm a burden at work"), asked about

    @property
    def name(self) -> str:
        return f"{self.file} [[{self.section}]] #{self.index + 1} ({self.kind})"


def _expand(pattern: str, defines: dict[str, str], where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in defines:
            raise ScreeningError(f"{where}: uses {{{m.group(1)}}} but [define] has no '{m.group(1)}'")
        return defines[m.group(1)]

    return _DEFINE.sub(sub, pattern)


def _fold_accents(pattern: str) -> str:
    """Accents stripped as normalise() strips them from the text ("vergüenza" →
    "verguenza"), so that a pattern written with them still matches."""
    if pattern.isascii():
        return pattern
    return _MARK_RUN.sub("", unicodedata.normalize("NFKD", pattern))


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
            level = entry.get("level", "respond")
            if level not in LEVELS:
                raise ScreeningError(f"{where}: level: expected one of {', '.join(LEVELS)}")
            about = entry.get("about", "")
            if not isinstance(about, str) or not about.strip():
                raise ScreeningError(f"{where}: about: say in a sentence what this group catches")
            patterns = entry.get("patterns")
            if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) and p for p in patterns):
                raise ScreeningError(f"{where}: patterns: must be a non-empty list of non-empty strings")
            expanded = []
            for number, pattern in enumerate(patterns, 1):
                full = _fold_accents(_expand(pattern, defines, f"{where} patterns[{number}]"))
                _check_pattern(full, f"{where} patterns[{number}]")
                expanded.append(full)
            groups.append(
                Group(name, index, section, kind, implies, about.strip(), tuple(expanded),
                      re.compile(_alternation(expanded)), level)
            )
    return groups



# ---------------------------------------------------------------------------------------
# Matching fast, whatever the message: RE2 first, then Python's `re` where RE2 points.
#
# Python's `re` engine backtracks: hundreds of patterns over a 4096-character message cost
# milliseconds. RE2 (google-re2) matches a whole *set* of patterns in one linear pass,
# with no backtracking at all, but knows no lookarounds. So each pattern is also compiled
# for RE2 with its lookarounds removed ("loose"): that loose form matches wherever the
# pattern does, and more. One pass of the set says which loose patterns match anywhere
# (usually none); for those, RE2 lists the places their loose form starts, and the exact
# pattern (Python `re`, lookarounds and all) is tried at just those places. The answer is
# exactly that of running every pattern over the whole text (`screen_slowly`), which the
# tests check.
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")


def without_lookarounds(pattern: str) -> str:
    """The pattern with every (?=...), (?!...), (?<=...) and (?<!...) removed."""
    out, i, n = [], 0, len(pattern)
    while i < n:
        if pattern.startswith(_LOOKAROUND, i):
            i = _group_end(pattern, i)
            continue
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i:i + 2])
            i += 2
        elif c == "[":
            j = _class_end(pattern, i)
            out.append(pattern[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _class_end(pattern: str, i: int) -> int:
    """The index just after the character class that starts at pattern[i] == '['."""
    j = i + 1
    if pattern[j:j + 1] == "^":
        j += 1
    if pattern[j:j + 1] == "]":
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j + 1


def _group_end(pattern: str, i: int) -> int:
    """The index just after the group that starts at pattern[i] == '('."""
    depth, j = 0, i
    while j < len(pattern):
        c = pattern[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = _class_end(pattern, j)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return j


def _re2_options(max_mem: int) -> re2.Options:
    options = re2.Options()
    # RE2 builds its automaton lazily and keeps it within max_mem (starting afresh when
    # full); a set that cannot cope says so, and the caller then uses Python `re`.
    options.max_mem = max_mem
    options.log_errors = False
    options.never_capture = True  # only where a match starts matters
    return options


# google-re2's Python wrapper builds a match object per call; the binding beneath it
# (pinned in pyproject.toml) answers with bare spans, several times faster.
_UNANCHORED = re2._Anchor.UNANCHORED
_NO_MATCH = (-1, -1)


class _Matcher:
    """Every pattern, exact (Python `re`) and loose (RE2: in sets, and one by one)."""

    PLACES = 32  # past this many places where the loose form matches, let `re` search
    # RE2 builds its automaton as it reads; one automaton for a thousand patterns meets
    # so many new states in each new long message that it costs milliseconds. Several
    # smaller sets meet far fewer.
    SET_SIZE = 100

    def __init__(self, patterns: list[str], names: list[str]) -> None:
        options = _re2_options(1 << 20)
        self.exact = [re.compile(p) for p in patterns]
        self.loose = []
        forms = []
        for pattern, name in zip(patterns, names):
            loose = without_lookarounds(pattern).encode("utf-8")
            regex = re2._re2.RE2(loose, options)
            if not regex.ok():
                raise ScreeningError(f"{name}: pattern {pattern!r} cannot be matched fast (by RE2): {regex.error()}")
            self.loose.append(regex)
            forms.append(loose)
        self.sets: list[tuple[re2.Set, int, int]] = []  # (set, first pattern, sentinel)
        for first in range(0, len(forms), self.SET_SIZE):
            self._add_sets(forms, first, min(len(forms), first + self.SET_SIZE))

    def _add_sets(self, forms: list[bytes], first: int, stop: int) -> None:
        """One set for forms[first:stop], or two halves if RE2 finds it too big."""
        patterns_set = re2.Set.SearchSet(_re2_options(8 << 20))
        for form in forms[first:stop]:
            patterns_set.Add(form)
        sentinel = patterns_set.Add(b"")  # matches every text
        try:
            patterns_set.Compile()
        except re2.error:
            if stop - first == 1:
                raise ScreeningError(f"pattern {forms[first]!r} is too big for RE2") from None
            middle = (first + stop) // 2
            self._add_sets(forms, first, middle)
            self._add_sets(forms, middle, stop)
            return
        self.sets.append((patterns_set, first, sentinel))

    def hits(self, data: bytes) -> list[int] | None:
        """The patterns whose loose form matches somewhere, in order. None if RE2 could not
        tell (its automaton outgrew its memory): then the caller must use Python `re`."""
        out = []
        for patterns_set, first, sentinel in self.sets:
            found = patterns_set.Match(data) or ()
            if sentinel not in found:
                return None
            out.extend(first + k for k in sorted(found) if k != sentinel)
        return out

    def matches(self, i: int, t: str, data: bytes):
        """Pattern i's matches in t, one per place it matches, in order: the places where
        its loose form matches (RE2), each checked with the exact pattern."""
        exact, loose, pos, end = self.exact[i], self.loose[i].Match, 0, len(data)
        for _ in range(self.PLACES):
            place = loose(_UNANCHORED, data, pos, end)[0][0]
            if place < 0:
                return
            if (m := exact.match(t, place)) is not None:
                yield m
            pos = place + 1
        m = exact.search(t, pos)  # a message repeating one phrase: `re` scans the rest
        while m is not None:
            yield m
            m = exact.search(t, m.start() + 1)


# ---------------------------------------------------------------------------------------
# Screening
# normalise() leaves only ASCII, so a mark is an ASCII character that is neither a word
# character nor a space: written out, a class the regex engine checks quickly.
_MARKS_ASCII = "".join(c for c in map(chr, range(128)) if not (c.isalnum() or c == "_" or c.isspace()))
_SPACE_AFTER_MARK = re.compile(f"([{re.escape(_MARKS_ASCII)}])(?=[a-z])")
_MARK_THEN_LETTER = re2.compile(f"[{re.escape(_MARKS_ASCII)}][a-z]")


def prepare_text(text: str) -> str:
    """Normalised text, padded with a space at each end and after each mark that is
    followed by a letter ("end.then" → "end. then"), so that words stand apart."""
    t = normalise(text)
    if not t:
        return ""
    if _MARK_THEN_LETTER.search(t) is not None:
        t = _SPACE_AFTER_MARK.sub(r"\1 ", t)
    return " " + t + " "


@dataclass(frozen=True)
class Hit:
    """What `Screener.explain` reports: a group that fired and the (normalised) words."""

    kind: str
    group: str
    about: str
    words: str


class _Spans:
    """Where a section's patterns matched, ready for the two questions screening asks."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self.starts = [a for a, _ in spans]
        self.reach = list(itertools.accumulate((b for _, b in spans), max))  # furthest end so far

    def overlap(self, start: int, end: int) -> bool:
        """Does any span overlap [start, end)?"""
        k = bisect.bisect_left(self.starts, end)  # spans starting before `end`
        return k > 0 and self.reach[k - 1] > start

    def cover_end(self, end: int) -> bool:
        """Does any span start before `end` and reach it?"""
        k = bisect.bisect_left(self.starts, end)
        return k > 0 and self.reach[k - 1] >= end


def _counts(m: re.Match[str], idioms: _Spans, negations: _Spans) -> bool:
    """A risk match counts unless it overlaps an idiom, or a negation overlaps it up to
    its end."""
    start, end = m.span()
    return not idioms.overlap(start, end) and not negations.cover_end(end)


def _every(regex: re.Pattern[str], t: str):
    """regex's match at each place in t where it matches, in order."""
    m = regex.search(t)
    while m is not None:
        yield m
        m = regex.search(t, m.start() + 1)


def _has(found: set[str], kind: str, implies: str | None) -> bool:
    """Is this kind (and the kind a plan implies) already found?"""
    return kind in found and (implies is None or implies in found)


class Screener:
    """All languages' patterns, compiled once; `screen` is safe to call from any thread."""

    def __init__(self, groups: list[Group]) -> None:
        self.groups = groups
        idioms = [g for g in groups if g.section == "idiom"]
        negations = [g for g in groups if g.section == "negation"]
        # All risk patterns of all languages, in KINDS order; each knows its kind (and,
        # for a plan, the kind it implies).
        order = {k: i for i, k in enumerate(KINDS)}
        risk = sorted((g for g in groups if g.section == "group"), key=lambda g: (order[g.kind], g.implies or ""))
        every = [(g, p) for part in (idioms, negations, risk) for g in part for p in g.patterns]
        self._matcher = _Matcher([p for _, p in every], [g.name for g, _ in every])
        self._regexes = self._matcher.exact
        self._idioms = range(sum(len(g.patterns) for g in idioms))
        self._negations = range(self._idioms.stop, self._idioms.stop + sum(len(g.patterns) for g in negations))
        self._risk = range(self._negations.stop, len(every))
        self._kind_of = {i: (g.kind, g.implies) for i, (g, _) in enumerate(every) if i in self._risk}
        self._probable = frozenset(i for i, (g, _) in enumerate(every) if i in self._risk and g.level == "ask")
        self._group_regex = {g.name: re.compile(_alternation(g.patterns)) for g in risk}

    @classmethod
    def load(cls, directory: Path) -> Screener:
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

    # --- the exact patterns, where the loose ones say --------------------------------------
    def screen(self, text: str) -> frozenset[str]:
        """The kinds of risk the message speaks of; empty when none."""
        certain, probable = self.split(text)
        return certain | probable

    def split(self, text: str) -> tuple[frozenset[str], frozenset[str]]:
        """(certain, probable): the kinds found by groups of level "respond", and those found
        only by groups of level "ask"."""
        t = prepare_text(text)
        if not t:
            return frozenset(), frozenset()
        data = t.encode("ascii")
        hits = self._matcher.hits(data)
        if hits is None:
            return self.split_slowly(text)
        certain: set[str] = set()
        probable: set[str] = set()
        idioms = negations = None  # sought only once a risk pattern matches
        for i in hits:
            if i not in self._risk:
                continue
            kind, implies = self._kind_of[i]
            found = probable if i in self._probable else certain
            if _has(certain, kind, implies) or _has(found, kind, implies):
                continue
            for m in self._matcher.matches(i, t, data):
                if idioms is None:
                    idioms = self._spans(self._idioms, hits, t, data)
                    negations = self._spans(self._negations, hits, t, data)
                if _counts(m, idioms, negations):
                    found.add(kind)
                    if implies:
                        found.add(implies)  # a plan always comes with the kind it is a plan for
                    break
        return frozenset(certain), frozenset(probable - certain)

    def _spans(self, section: range, hits, t: str, data: bytes) -> _Spans:
        """Every match of the section's patterns, one per place each matches."""
        return _Spans([m.span() for i in hits if i in section for m in self._matcher.matches(i, t, data)])

    # --- the reference, for tests and for when RE2 gives up --------------------------------
    # A risk match does not count if it overlaps a match of an idiom (it is an everyday
    # phrase: "this homework is killing me") or if a negation's match overlaps it and
    # reaches its end (the negation governs that very phrase: "im not suicidal"); anything
    # else in the message still counts ("im not ok, i want to die" fires).
    def screen_slowly(self, text: str) -> frozenset[str]:
        """The same answer as `screen`, by running every idiom, negation and risk pattern
        with Python `re` over the whole text. For tests, and for when RE2 cannot tell."""
        certain, probable = self.split_slowly(text)
        return certain | probable

    def split_slowly(self, text: str) -> tuple[frozenset[str], frozenset[str]]:
        """The same answer as `split`, the slow way (see `screen_slowly`)."""
        t = prepare_text(text)
        idioms, negations = self._all_spans(self._idioms, t), self._all_spans(self._negations, t)
        certain: set[str] = set()
        probable: set[str] = set()
        for i in self._risk:
            if self._first(self._regexes[i], t, idioms, negations) is not None:
                kind, implies = self._kind_of[i]
                found = probable if i in self._probable else certain
                found.add(kind)
                if implies:
                    found.add(implies)
        return frozenset(certain), frozenset(probable - certain)

    def _all_spans(self, section: range, t: str) -> _Spans:
        """Every match of the section's patterns, one per place each matches."""
        return _Spans([m.span() for i in section for m in _every(self._regexes[i], t)])

    def _first(self, regex: re.Pattern[str], t: str, idioms, negations) -> re.Match[str] | None:
        """The first match of regex in t that counts."""
        return next((m for m in _every(regex, t) if _counts(m, idioms, negations)), None)

    def explain(self, text: str) -> list[Hit]:
        """Every group that fires on `text` and the words it matched: for reviewing patterns."""
        t = prepare_text(text)
        idioms, negations = self._all_spans(self._idioms, t), self._all_spans(self._negations, t)
        hits = []
        for g in self.groups:
            if g.section == "group":
                m = self._first(self._group_regex[g.name], t, idioms, negations)
                if m is not None:
                    hits.append(Hit(g.kind, g.name, g.about, m.group(0).strip()))
        return hits

    def normalised(self, text: str) -> str:
        """The text as patterns see it (normalised and padded), idioms shown as " ~~~ "."""
        t = prepare_text(text)
        chars = list(t)
        for a, b in (m.span() for i in self._idioms for m in _every(self._regexes[i], t)):
            if b - a >= 2:
                chars[a:b] = " " + "~" * (b - a - 2) + " "
        return "".join(chars)
