"""/journal: what they recorded, newest first, a page at a time, filtered by kind.

Pages have a fixed number of entries, and every field shown is cut to a length that keeps
a page well under Telegram's 4096 characters. Words the risk screen flagged are not
quoted back: the entry says they are hidden, with a button to see them.
"""

from __future__ import annotations

from flows.dialogue.core import Button, Ctx, Entry, Reply, in_rows
from flows.dialogue.registry import Command, GlobalButton, Practice, Pressed
from flows.lib import markup

PER_PAGE = 5
FIELD_CHARS = 300  # one field of one entry on a page
ALL = "all"
FILTERS_PER_ROW = 3


def show(ctx: Ctx, args: str) -> list[Reply]:
    kind = args.strip().lower().rstrip("s") if args.strip() else ALL
    if kind not in (ALL, *ctx.records):
        kind = ALL
    return [page(ctx, kind, 0)]


def page(ctx: Ctx, kind: str, number: int) -> Reply:
    entries = [e for e in ctx.history if kind == ALL or e.kind == kind]
    pages = max(1, -(-len(entries) // PER_PAGE))
    number = min(max(number, 0), pages - 1)
    shown = entries[number * PER_PAGE : (number + 1) * PER_PAGE]
    text = ctx.render(
        "journal/page",
        entries=[view(e) for e in shown],
        kind=kind,
        number=number + 1,
        pages=pages,
        total=len(entries),
        kept=ctx.keeps,
    )
    nav = []
    if number > 0:
        nav.append(Button(ctx.button("previous"), data=f"g:j:{kind}:{number - 1}"))
    if number < pages - 1:
        nav.append(Button(ctx.button("next"), data=f"g:j:{kind}:{number + 1}"))
    filters = [
        Button(("✓ " if k == kind else "") + ctx.button(f"journal_{k}"), data=f"g:j:{k}:0")
        for k in (ALL, *ctx.records)
    ]
    reveal = [Button(ctx.button("show_hidden", number=e.id), data=f"g:jv:{e.id}") for e in shown if e.data.get("hidden")]
    # Three filters a row: ten kinds in one or two rows would be too narrow to read on a phone.
    rows = [row for row in (nav, *in_rows(filters, FILTERS_PER_ROW), reveal) if row]
    return Reply(text, tuple(tuple(row) for row in rows))


class _Fields(dict):
    """An entry's fields for a template: one an older entry lacks reads as None (and is
    not added, so `"note" in fields` still tells a hidden note from none)."""

    def __missing__(self, key: str) -> None:
        return None


def view(entry: Entry) -> dict:
    """An entry as the page shows it: long fields cut, hidden ones left out."""
    hidden = set(entry.data.get("hidden", []))
    fields = _Fields()
    for name, value in entry.data.items():
        if name in hidden:
            fields[name] = None
        elif isinstance(value, str) and len(value) > FIELD_CHARS:
            fields[name] = markup.shorten(value, FIELD_CHARS)
        else:
            fields[name] = value
    return {"id": entry.id, "kind": entry.kind, "at": entry.at, "data": fields, "hidden": bool(hidden)}


def press_page(ctx: Ctx, argument: str) -> Pressed:
    """g:j:<kind>:<page>"""
    kind, _, number = argument.partition(":")
    if kind not in (ALL, *ctx.records) or not number.isdigit():
        return Pressed([Reply(ctx.render("general/stale_button", in_flow=False))])
    return Pressed([page(ctx, kind, int(number))])


def press_show_hidden(ctx: Ctx, argument: str) -> Pressed:
    """g:jv:<entry id>: their own hidden words, shown once when they ask."""
    entry = next((e for e in ctx.history if argument.isdigit() and e.id == int(argument)), None)
    if entry is None:
        return Pressed([Reply(ctx.render("journal/not_yours"))])
    words = {k: v for k, v in entry.data.items() if k in entry.data.get("hidden", [])}
    return Pressed([Reply(ctx.render("journal/hidden_words", words=words))])


PRACTICE = Practice(
    commands=(Command("journal", show, needs_history=True),),
    buttons=(
        GlobalButton("j", press_page, needs_history=True),
        GlobalButton("jv", press_show_hidden, needs_history=True),
    ),
)
