"""/journal: what they recorded, newest first, a page at a time, filtered by kind.

A page fits one phone screen: up to three entries, fewer when their words are long (each
of their answers keeps room for a readable line), and their words cut ("…"), the longest
first, only as much as the screen needs. [‹ Newer] and [Older ›] move by entries, so a page
starts where the last one ended. Words the risk screen flagged are not quoted back: the
entry says they are hidden, with a button named by the entry's kind and time to see them,
one message a field.
"""

from __future__ import annotations

from flows.dialogue.core import Button, Ctx, Entry, Reply, in_rows
from flows.dialogue.registry import Command, GlobalButton, Practice, Pressed
from flows.lib import markup

PER_PAGE = 3  # entries on a page, at most
FIELD_CHARS = 150  # one field of one entry on a page, at most
ROOM_CHARS = 60  # a page holds fewer entries rather than cut an answer shorter than this
LEAST_CHARS = 20  # a single long entry is cut no shorter than this
ALL = "all"
FILTERS_PER_ROW = 3


def show(ctx: Ctx, args: str) -> list[Reply]:
    kind = args.strip().lower().rstrip("s") if args.strip() else ALL
    if kind not in (ALL, *ctx.records):
        kind = ALL
    return [page(ctx, kind, 0)]


def page(ctx: Ctx, kind: str, start: int) -> Reply:
    """The page of `kind` beginning at entry `start` (0: the newest)."""
    entries = [e for e in ctx.history if kind == ALL or e.kind == kind]
    start = min(max(start, 0), max(len(entries) - 1, 0))

    def render(shown: list[Entry], first: int, limit: int) -> str:
        cut = [{**v, "data": _Fields({k: markup.shorten(w, limit) if isinstance(w, str) else w for k, w in v["data"].items()})}
               for v in map(view, shown)]
        return ctx.render("journal/page", entries=cut, kind=kind, first=first + 1, last=first + len(shown),
                          total=len(entries), kept=ctx.keeps)

    def roomy(first: int, count: int) -> bool:
        shown = entries[first : first + count]
        return len(shown) == count and markup.visible_length(render(shown, first, ROOM_CHARS)) <= markup.SCREEN_CHARS

    count = next((n for n in range(PER_PAGE, 1, -1) if roomy(start, n)), 1)
    shown = entries[start : start + count]
    text = markup.fit(lambda limit: render(shown, start, limit), LEAST_CHARS, FIELD_CHARS)
    nav = []
    if start > 0:
        back = next((n for n in range(min(PER_PAGE, start), 1, -1) if roomy(start - n, n)), 1)
        nav.append(Button(ctx.button("previous"), data=f"g:j:{kind}:{start - back}"))
    if start + count < len(entries):
        nav.append(Button(ctx.button("next"), data=f"g:j:{kind}:{start + count}"))
    filters = [
        Button(("✓ " if k == kind else "") + ctx.button(f"journal_{k}"), data=f"g:j:{k}:0")
        for k in (ALL, *ctx.records)
    ]
    reveal = [Button(reveal_label(ctx, e), data=f"g:jv:{e.id}") for e in shown if e.data.get("hidden")]
    # Three filters a row: ten kinds in one or two rows would be too narrow to read on a phone.
    rows = [row for row in (nav, *in_rows(filters, FILTERS_PER_ROW), reveal) if row]
    return Reply(text, tuple(tuple(row) for row in rows))


def _said(value: object) -> str:
    """A field's words as they typed them: a list (emotion words, ideas, steps) a line each."""
    if isinstance(value, list):
        return "\n".join(_said(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("text") or "")
    return str(value)


HIDDEN_PART_CHARS = 3000  # a field longer than this (many steps) comes in parts, under Telegram's 4096


def _parts(words: str) -> list[str]:
    """A field's words in parts Telegram takes, split between lines where it can."""
    parts: list[str] = []
    for line in words.splitlines() or [words]:
        while len(line) > HIDDEN_PART_CHARS:
            parts.append(line[:HIDDEN_PART_CHARS])
            line = line[HIDDEN_PART_CHARS:]
        if parts and len(parts[-1]) + 1 + len(line) <= HIDDEN_PART_CHARS:
            parts[-1] += "\n" + line
        else:
            parts.append(line)
    return parts


class _Fields(dict):
    """An entry's fields for a template: one an older entry lacks reads as None (and is
    not added, so `"note" in fields` still tells a hidden note from none)."""

    def __missing__(self, key: str) -> None:
        return None


def reveal_label(ctx: Ctx, entry: Entry) -> str:
    """[Show hidden words: Mood, Tue 24 Nov, 20:05]: plain words, never an id."""
    return ctx.button("show_hidden", kind=ctx.content.records[entry.kind].title, when=_when(ctx, entry.at))


def _when(ctx: Ctx, at: str) -> str:
    """"Tue 24 Nov, 20:05", their time, as a page shows it."""
    return ctx.content.env.filters["when"](at, ctx.settings)


def view(entry: Entry) -> dict:
    """An entry as the page shows it: long fields cut, a list of words as one line, hidden
    ones left out."""
    hidden = set(entry.data.get("hidden", []))
    fields = _Fields()
    for name, value in entry.data.items():
        if name in hidden:
            fields[name] = None
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            fields[name] = markup.shorten(", ".join(value), FIELD_CHARS)
        elif isinstance(value, str):
            fields[name] = markup.shorten(value, FIELD_CHARS)
        else:
            fields[name] = value
    return {"id": entry.id, "kind": entry.kind, "at": entry.at, "data": fields, "hidden": bool(hidden)}


def press_page(ctx: Ctx, argument: str) -> Pressed:
    """g:j:<kind>:<the first entry shown>"""
    kind, _, number = argument.partition(":")
    if kind not in (ALL, *ctx.records) or not number.isdigit():
        return Pressed([Reply(ctx.render("general/stale_button", in_flow=False))])
    return Pressed([page(ctx, kind, int(number))])


def press_show_hidden(ctx: Ctx, argument: str) -> Pressed:
    """g:jv:<entry id>: their own hidden words, shown once when they ask."""
    entry = next((e for e in ctx.history if argument.isdigit() and e.id == int(argument)), None)
    if entry is None:
        return Pressed([Reply(ctx.render("journal/not_yours"))])
    words = [part for k, v in entry.data.items() if k in entry.data.get("hidden", []) and v for part in _parts(_said(v))]
    title, when = ctx.content.records[entry.kind].title, _when(ctx, entry.at)
    return Pressed([Reply(ctx.render("journal/hidden_words", words=w, kind=title, when=when, first=i == 0)) for i, w in enumerate(words)])


PRACTICE = Practice(
    commands=(Command("journal", show, needs_history=True),),
    buttons=(
        GlobalButton("j", press_page, needs_history=True),
        GlobalButton("jv", press_show_hidden, needs_history=True),
    ),
)
