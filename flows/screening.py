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

import codecs
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
_APOSTROPHES = "'\u2019\u2018\u02bc\u02bb`\u00b4\u2032\u02b9"
_DASH_CHARS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_TIDY = str.maketrans({**{c: None for c in _APOSTROPHES}, **{c: " " for c in _DASH_CHARS}})
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u200b-\u200f\u2060\ufeff\u00ad]")
_MARK_RUN = re.compile(_MARKS.pattern + "+")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _collapse_repeats(t: str) -> str:
    """Letters repeated 3+ times → two ("soooo" → "soo")."""
    if t.isascii():  # find the letters that repeat first: a C-speed check per letter
        tripled = [c for c in _LETTERS if c * 3 in t]
        if not tripled:
            return t
        return re.sub(f"([{''.join(tripled)}])\\1{{2,}}", r"\1\1", t)
    return _REPEATS.sub(r"\1\1", t)


def _ascii_or_space(err: UnicodeEncodeError) -> tuple[str, int]:
    """Encoding error handler: accents vanish, anything else not ASCII becomes a space."""
    run = err.object[err.start:err.end]
    return ("" if _MARK_RUN.fullmatch(run) else " "), err.end


codecs.register_error("cbt_screening", _ascii_or_space)


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
        t = unicodedata.normalize("NFKD", t)
        if all(_MARKS.match(c) for c in set(t) if c > "\x7f"):  # only accents: the fast way
            t = t.encode("ascii", "ignore").decode("ascii")
        else:
            t = t.encode("ascii", "cbt_screening").decode("ascii")
    t = _collapse_repeats(t)
    return " ".join(t.split())


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
# A word prefilter, so that a long message costs little.
#
# Python's regex engine tries every pattern at every position, about 30 ns a try: 300
# patterns over 4096 characters would take tens of milliseconds. So at load time each
# pattern is analysed (with the standard library's own regex parser) for the words any
# match must contain: a list of clauses, each a set of words (cut to their first
# _PREFIX letters) of which at least one must occur. A message's words are collected once;
# a pattern runs only if every clause has a word in the message. The analysis only ever
# gives up a clause when unsure (it never invents one), so the filter never hides a match;
# tests check this against every pattern.
try:  # Python 3.11+
    from re import _constants as _sc, _parser as _sp
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _sc  # type: ignore[no-redef]
    import sre_parse as _sp  # type: ignore[no-redef]

_PREFIX = 4
_CAP = 400
_WORD_STARTS = {_sc.AT_BOUNDARY, _sc.AT_BEGINNING, _sc.AT_BEGINNING_STRING, _sc.AT_BEGINNING_LINE}
_NON_WORD_CATEGORIES = {_sc.CATEGORY_SPACE, _sc.CATEGORY_NOT_WORD, _sc.CATEGORY_LINEBREAK}
_REPEAT_OPS = {_sc.MAX_REPEAT, _sc.MIN_REPEAT} | ({_sc.POSSESSIVE_REPEAT} if hasattr(_sc, "POSSESSIVE_REPEAT") else set())


def _is_word(code: int) -> bool:
    ch = chr(code)
    return ch.isalnum() or ch == "_"


class _Words:
    """Walks a parsed pattern, collecting clauses. State: `cur` = the spellings of the word
    being read so far (None when not reading one from its start); `start` = the next
    character, if a word character, starts a word."""

    def __init__(self) -> None:
        self.clauses: list[frozenset[str]] = []

    @staticmethod
    def entries(cur: set[str], complete: bool) -> frozenset[str] | None:
        out = set()
        for s in cur:
            if not s:
                return None  # too short to tell anything
            out.add(s[:_PREFIX])
        return frozenset(out)

    def finish(self, cur: set[str] | None, complete: bool) -> None:
        if cur:
            e = self.entries(cur, complete)
            if e:
                self.clauses.append(e)

    def seq(self, items, cur, start):
        for op, av in items:
            cur, start = self.item(op, av, cur, start)
        return cur, start

    def extend(self, cur, start, chars):
        if cur is None:
            if not start:
                return None, False
            cur = {""}
        cur = {s + c for s in cur for c in chars}
        if len(cur) > _CAP:
            self.finish({s[:-1] for s in cur}, False)
            return None, False
        if all(len(s) >= _PREFIX for s in cur):
            self.finish(cur, False)
            return None, False
        return cur, False

    def item(self, op, av, cur, start):
        if op is _sc.LITERAL:
            if _is_word(av):
                return self.extend(cur, start, [chr(av)])
            self.finish(cur, True)
            return None, True
        if op is _sc.IN:
            chars, nonword, other = [], True, False
            for iop, iav in av:
                if iop is _sc.LITERAL:
                    chars.append(chr(iav))
                    nonword &= not _is_word(iav)
                elif iop is _sc.RANGE and iav[1] - iav[0] < 12:
                    chars.extend(chr(c) for c in range(iav[0], iav[1] + 1))
                    nonword &= not any(_is_word(c) for c in range(iav[0], iav[1] + 1))
                elif iop is _sc.CATEGORY and iav in _NON_WORD_CATEGORIES:
                    other = True  # non-word, but not a finite list
                else:
                    other, nonword = True, False
            if nonword:
                self.finish(cur, True)
                return None, True
            if not other and chars and all(ch.isalnum() or ch == "_" for ch in chars) and len(chars) <= 12:
                return self.extend(cur, start, chars)
            self.finish(cur, False)
            return None, False
        if op is _sc.AT:
            if av in _WORD_STARTS:
                self.finish(cur, True)
                return None, True
            self.finish(cur, av in (_sc.AT_END, _sc.AT_END_STRING, _sc.AT_END_LINE))
            return None, False
        if op in (_sc.ASSERT, _sc.ASSERT_NOT):
            return cur, start  # looks around, consumes nothing
        if op is _sc.SUBPATTERN:
            return self.seq(av[-1], cur, start)
        if op is _sc.BRANCH:
            return self.branch(av[1], cur, start)
        if op in _REPEAT_OPS:
            lo, hi, body = av
            if hi == 0:
                return cur, start
            if lo == 0:
                return self.branch([body, []], cur, start)
            cur, start = self.seq(body, cur, start)
            if hi == 1:
                return cur, start
            if cur is None and start:  # the body ends in a separator: so does every repeat
                return None, True
            self.finish(cur, False)
            return None, False
        self.finish(cur, False)
        return None, False

    def branch(self, alternatives, cur, start):
        results = []
        for alt in alternatives:
            sub = _Words()
            c2, s2 = sub.seq(alt, set(cur) if cur is not None else None, start)
            results.append((sub.clauses, c2, s2))
        if all(not cl and c2 is not None for cl, c2, _ in results):  # still inside one word
            merged = set().union(*(c2 for _, c2, _ in results))
            if len(merged) > _CAP:
                self.finish(cur, False)
                return None, False
            return merged, False
        firsts = []
        for cl, c2, _ in results:  # each alternative's most telling clause
            e = max(cl, key=_telling) if cl else (self.entries(c2, False) if c2 else None)
            if not e:
                firsts = None
                break
            firsts.append(e)
        if firsts:
            self.clauses.append(frozenset().union(*firsts))
        else:
            self.finish(cur, False)
        return None, all(c2 is None and s2 for _, c2, s2 in results)


# Words too common to be worth indexing a pattern by, when it has a better clause.
_COMMON = frozenset(
    "i im me my to a an the and it is in of on be not no do dont so just that this you he she "
    "they we was what can will all de la le les el los las en y que un una je j ne pas et il "
    "elle ca se me mi mis lo su es no ya ich du er sie es die der das und nicht ein eine mich "
    "mir bin ist zu".split()
)


def _telling(clause: frozenset[str]) -> tuple[bool, int, int]:
    """How much a clause narrows things down: no very common words, long words, few of them."""
    return (clause.isdisjoint(_COMMON), min(map(len, clause)), -len(clause))


def required_words(pattern: str) -> list[frozenset[str]]:
    """Clauses of words (cut to _PREFIX letters) any match of `pattern` must contain."""
    walker = _Words()
    cur, _ = walker.seq(_sp.parse(pattern), None, True)
    walker.finish(cur, False)
    return list(dict.fromkeys(walker.clauses))


_ASCII_NON_WORD = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_")})
_WORD = re.compile(r"\w+")


def message_words(text: str) -> set[str]:
    """The message's words and their beginnings (1 to _PREFIX letters)."""
    unique = set(text.translate(_ASCII_NON_WORD).split()) if text.isascii() else set(_WORD.findall(text))
    words = set(unique)
    for k in range(1, _PREFIX + 1):  # one set comprehension per length: C-speed slicing
        words.update({w[:k] for w in unique})
    return words


@dataclass(frozen=True)
class _Pattern:
    """One compiled pattern and the words it needs."""

    regex: re.Pattern[str]
    clauses: tuple[frozenset[str], ...]

    def possible(self, words: set[str]) -> bool:
        for c in self.clauses:
            if c.isdisjoint(words):
                return False
        return True


class _Index:
    """Finds the patterns that could match a message, from its words."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = [_Pattern(re.compile(p), tuple(required_words(p))) for p in patterns]
        self.always: list[int] = []
        self.by_word: dict[str, list[int]] = {}
        for i, pat in enumerate(self.patterns):
            if not pat.clauses:
                self.always.append(i)
                continue
            anchor = max(pat.clauses, key=_telling)
            for word in anchor:
                self.by_word.setdefault(word, []).append(i)
        self.keys = frozenset(self.by_word)

    def candidates(self, words: set[str]) -> list[tuple[int, _Pattern]]:
        """(number, pattern) of every pattern the words allow, in file order."""
        ids = set(self.always)
        for word in self.keys.intersection(words):
            ids.update(self.by_word[word])
        return [(i, self.patterns[i]) for i in sorted(ids) if self.patterns[i].possible(words)]

# ---------------------------------------------------------------------------------------
# Screening
#
# Speed, by design. Python's regex engine costs ~30 ns per pattern per position, so no
# pattern is ever run over a whole long message "just in case":
#   1. the message is normalised once and padded so that every word starts after a space;
#      a pattern's leading \b is compiled as that literal space, which lets the engine skip
#      ahead with its fast literal-prefix scan instead of trying every position;
#   2. the message's words are collected once; a pattern is a candidate only when every
#      clause of words it needs is present (the prefilter above);
#   3. a candidate runs only in regions around the occurrences of its *anchor* words (its
#      most telling clause), REACH characters either side, never over the whole text.
# Idioms and negations are found the same way, so a 4096-character message costs a few
# hundred microseconds at most. The whole message is one text: no sentence or window cut
# can split a match.
_SPACE_AFTER_MARK = re.compile(r"([^\w\s])(?=[a-z])")
_LEADING_B = re.compile(r"^((?:\(\?<[!=](?:[^()\\]|\\.|\([^()]*\))*\))*)\\b")


def _literal_start(pattern: str) -> str:
    """`\bword...` → ` word...` (and `(?<!x)\bword` → ` (?<!x)word`): the padded text puts a
    space before every word, so this matches the same places, and a literal first character
    lets the regex engine skip ahead quickly."""
    m = _LEADING_B.match(pattern)
    if not m:
        return pattern
    return " " + m.group(1) + pattern[m.end():]


def prepare_text(text: str) -> str:
    """Normalised text, padded so that every word is preceded by a space."""
    t = normalise(text)
    if not t:
        return ""
    return " " + _SPACE_AFTER_MARK.sub(r"\1 ", t) + " "


@dataclass(frozen=True)
class Hit:
    """What `Screener.explain` reports: a group that fired and the (normalised) words."""

    kind: str
    group: str
    about: str
    words: str


class _Occurrences:
    """Where words with given beginnings occur in one text (found with str.find, cached)."""

    MANY = 48

    def __init__(self, t: str) -> None:
        self.t = t
        self.cache: dict[str, list[int]] = {}

    def of(self, prefix: str) -> list[int]:
        found = self.cache.get(prefix)
        if found is None:
            found, needle, find, i = [], " " + prefix, self.t.find, 0
            while True:
                i = find(needle, i)
                if i < 0:
                    break
                found.append(i)
                if len(found) > self.MANY:  # a common word: its regions cover the text anyway
                    break
                i += 1
            self.cache[prefix] = found
        return found


class Screener:
    """All languages' patterns, compiled once; `screen` is safe to call from any thread."""

    REACH = 110  # a match containing an anchor word lies within this many characters of it
    SHORT = 2 * REACH + 40  # a text this short is one region

    def __init__(self, groups: list[Group]) -> None:
        self.groups = groups
        by_section = {s: [g for g in groups if g.section == s] for s in ("idiom", "negation", "group")}
        self._idiom = _Index([_literal_start(p) for g in by_section["idiom"] for p in g.patterns])
        self._negation = _Index([_literal_start(p) for g in by_section["negation"] for p in g.patterns])
        # All risk patterns of all languages in one index, in KINDS order; each pattern
        # knows its kind (and, for a plan, the kind it implies).
        order = {k: i for i, k in enumerate(KINDS)}
        risk = sorted(by_section["group"], key=lambda g: (order[g.kind], g.implies or ""))
        self._risk = _Index([_literal_start(p) for g in risk for p in g.patterns])
        self._kind_of = [(g.kind, g.implies) for g in risk for _ in g.patterns]
        self._group_regex = {g.name: re.compile(_alternation([_literal_start(p) for p in g.patterns]))
                             for g in by_section["group"]}
        for index in (self._idiom, self._negation, self._risk):
            index.anchors = [max(p.clauses, key=_telling) if p.clauses else None for p in index.patterns]

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

    # --- regions ------------------------------------------------------------------------
    def _regions(self, clauses: tuple[frozenset[str], ...], occ: _Occurrences, words: set[str]) -> list[tuple[int, int]]:
        """Merged (start, end) stretches of the text around the words of the pattern's
        clause that is rarest in this text (every clause must occur in any match)."""
        n = len(occ.t)
        if not clauses or n <= self.SHORT:
            return [(0, n)]
        best: list[int] | None = None
        for clause in clauses:
            points: list[int] = []
            for prefix in clause.intersection(words):
                points.extend(occ.of(prefix))
                if len(points) > _Occurrences.MANY or (best is not None and len(points) >= len(best)):
                    break
            else:
                if best is None or len(points) < len(best):
                    best = points
        if best is None:
            return [(0, n)]
        best.sort()
        reach, out = self.REACH, []
        for p in best:
            s, e = max(0, p - reach), min(n, p + reach)
            if out and s <= out[-1][1]:
                out[-1] = (out[-1][0], e)
            else:
                out.append((s, e))
        return out

    @staticmethod
    def _negated(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
        return any(ns < end <= ne for ns, ne in spans)

    def _first(self, regex: re.Pattern[str], t: str, spans: list[tuple[int, int]],
               pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        endpos = len(t) if endpos is None else endpos
        m = regex.search(t, pos, endpos)
        while m is not None and spans and self._negated(m.start(), m.end(), spans):
            m = regex.search(t, m.start() + 1, endpos)
        return m

    def _spans(self, index: _Index, words: set[str], t: str, occ: _Occurrences) -> list[tuple[int, int]]:
        """Where the index's candidate patterns match, searched only near their anchors."""
        spans: list[tuple[int, int]] = []
        for i, pat in index.candidates(words):
            for s, e in self._regions(pat.clauses, occ, words):
                spans.extend(m.span() for m in pat.regex.finditer(t, s, e))
        return spans

    def _prepare(self, t: str, words: set[str] | None = None) -> tuple[str, set[str], list[tuple[int, int]], _Occurrences]:
        """The padded text with idioms blanked (same length), its words, negated spans."""
        if words is None:
            words = message_words(t)
        occ = _Occurrences(t)
        blanks = [span for span in self._spans(self._idiom, words, t, occ) if span[1] - span[0] >= 2]
        if blanks:  # an idiom becomes " ~~~ ": no word, no sentence end, same length
            chars = list(t)
            for a, b in blanks:
                chars[a:b] = " " + "~" * (b - a - 2) + " "
            t = "".join(chars)  # same length: the positions found so far still hold (a superset)
            occ.t = t
        return t, words, self._spans(self._negation, words, t, occ), occ

    def screen(self, text: str) -> frozenset[str]:
        """The kinds of risk the message speaks of; empty when none."""
        t = prepare_text(text)
        if not t:
            return frozenset()
        words = message_words(t)
        risky = self._risk.candidates(words)
        if not risky:  # the usual case: no risk word at all
            return frozenset()
        t, _, spans, occ = self._prepare(t, words)
        found: set[str] = set()
        kind_of = self._kind_of
        for i, pat in risky:
            kind, implies = kind_of[i]
            if kind in found and (implies is None or implies in found):
                continue
            for s, e in self._regions(pat.clauses, occ, words):
                if self._first(pat.regex, t, spans, s, e) is not None:
                    found.add(kind)
                    if implies:
                        found.add(implies)  # a plan always comes with the kind it is a plan for
                    break
        return frozenset(found)

    def screen_slowly(self, text: str) -> frozenset[str]:
        """The same answer as `screen`, without prefilter or regions: every idiom, negation
        and risk pattern over the whole text. For tests that the fast path hides nothing."""
        t = prepare_text(text)
        if not t:
            return frozenset()
        for pat in self._idiom.patterns:
            t = pat.regex.sub(lambda m: " " + "~" * (len(m.group(0)) - 2) + " " if len(m.group(0)) >= 2 else m.group(0), t)
        spans = [m.span() for pat in self._negation.patterns for m in pat.regex.finditer(t)]
        found: set[str] = set()
        for i, pat in enumerate(self._risk.patterns):
            if self._first(pat.regex, t, spans) is not None:
                kind, implies = self._kind_of[i]
                found.add(kind)
                if implies:
                    found.add(implies)
        return frozenset(found)

    def explain(self, text: str) -> list[Hit]:
        """Every group that fires on `text` and the words it matched: for reviewing patterns."""
        t = prepare_text(text)
        if not t:
            return []
        t, _, spans, _ = self._prepare(t)
        hits = []
        for g in self.groups:
            if g.section == "group":
                m = self._first(self._group_regex[g.name], t, spans)
                if m is not None:
                    hits.append(Hit(g.kind, g.name, g.about, m.group(0).strip()))
        return hits

    def normalised(self, text: str) -> str:
        """The text as risk patterns see it: normalised, padded, idioms blanked."""
        t = prepare_text(text)
        return self._prepare(t)[0] if t else ""
