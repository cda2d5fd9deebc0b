"""Next steps as buttons: what the end of a practice offers, and a word on what helped.

- [Log my mood], [A calm check-in], [Look at a thought], [See my plans] ... (`go`): a button
  that starts a practice as its command would (the practice they were in is left), or shows
  what /help shows. A greeting, a low mood or a finished thought record offers them.
- [Lesson: <trap>] (`lesson`): the /learn lesson on a thinking trap; a trap's lesson has the
  trap's id (content/practices/lessons.toml).
- [What helped?] (`helped`): after a good mood, a finished activity or a check-in that lifted
  their mood, one optional line kept with that entry (encrypted, like every answer; hidden
  like any words the screen flags). Offered only where the entry is kept.
"""

from __future__ import annotations

from flows.dialogue.core import Answer, Button, Ctx, Entry, Flow, Option, Reply, Step
from flows.dialogue.registry import GlobalButton, Practice, Pressed
from flows.lib import markup
from flows.practices import help, learn

GO, HELPED = "go", "helped"
# Where a [go] button leads: the practice it starts, and that practice's starting data.
PLACES: dict[str, tuple[str, dict[str, str]]] = {
    "mood": ("mood", {}),
    "thought": ("thought", {}),
    "checkin": ("checkin", {}),
    "plan": ("plan", {}),
    "plans": ("plan", {"args": "list"}),
}
HELP = "help"  # [What I can do]: what /help shows
HELPED_KINDS = ("mood", "activity", "checkin")  # entries a "what helped?" line can go with
NOTE, SKIP = "note", "skip"
HELPED_CHARS = 300
SHOWN_CHARS = 60  # their line, quoted back once when it is kept


def go(ctx: Ctx, where: str, label: str | None = None) -> Button:
    """A button that starts `where` (a key of PLACES, or HELP); its label is buttons.toml's
    next_<where> unless `label` names another."""
    return Button(ctx.button(label or f"next_{where}"), data=f"g:{GO}:{where}")


def lesson(ctx: Ctx, trap_ids: list[str]) -> Button | None:
    """The lesson on the first of these traps that has one."""
    for trap_id in trap_ids:
        found = learn.lesson(ctx, trap_id)
        if found is not None:
            return Button(ctx.button("next_lesson", title=found.title), data=f"g:lesson:{found.id}")
    return None


def helped(ctx: Ctx, entry: Entry) -> Button | None:
    """[What helped?] for a kept entry; None where nothing is kept to add it to."""
    if not ctx.keeps or entry.kind not in HELPED_KINDS or entry.data.get(HELPED):
        return None
    return Button(ctx.button("next_helped"), data=f"g:{HELPED}:{entry.kind}:{entry.id}")


def rows(*buttons: Button | None) -> tuple[tuple[Button, ...], ...]:
    """One or two next steps, side by side (the ones that apply)."""
    shown = tuple(b for b in buttons if b is not None)
    return (shown,) if shown else ()


def press_go(ctx: Ctx, where: str) -> Pressed:
    """g:go:<where>"""
    if where == HELP:
        return Pressed(help.show(ctx, ""))
    if where not in PLACES:
        return Pressed([Reply(ctx.render("general/stale_button", in_flow=ctx.state.flow is not None))])
    name, data = PLACES[where]
    return Pressed([], start=name, data=dict(data), interrupting=False)


# ------------------------------------------------------------------- what helped?


def press_helped(ctx: Ctx, argument: str) -> Pressed:
    """g:helped:<kind>:<entry id>: the practice they are in (if any) waits for it."""
    kind, _, number = argument.partition(":")
    if kind not in HELPED_KINDS or not number.isdigit():
        return Pressed([Reply(ctx.render("general/stale_button", in_flow=ctx.state.flow is not None))])
    return Pressed([], start=HELPED, data={"kind": kind, "entry": int(number)})


def _entry(ctx: Ctx) -> Entry | None:
    return ctx.entry(ctx.data["entry"], ctx.data["kind"])


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    if _entry(ctx) is None:  # deleted since, or not theirs
        return [Reply(ctx.render("next/helped_gone"))], None
    return [], NOTE


def read_note(ctx: Ctx, answer: Answer) -> None:
    if answer.choice == SKIP or not answer.text:
        ctx.data.pop(HELPED, None)
        return
    ctx.data[HELPED] = answer.text


def finish(ctx: Ctx) -> list[Reply]:
    entry, said = _entry(ctx), ctx.data.get(HELPED)
    if entry is None or said is None:
        return [Reply(ctx.render("next/helped_skipped"))]
    entry.data[HELPED] = said
    if HELPED in ctx.hidden:
        entry.data["hidden"] = sorted({*entry.data.get("hidden", []), HELPED})
    ctx.update(entry)
    shown = None if HELPED in ctx.hidden else markup.shorten(said, SHOWN_CHARS)
    return [Reply(ctx.render("next/helped_saved", said=shown))]


FLOW = Flow.of(
    HELPED,
    None,
    [
        Step(NOTE, "next/helped", read_note, None, options=lambda ctx: [[Option(SKIP, ctx.button("skip"))]],
             max_chars=HELPED_CHARS, fills=HELPED),
    ],
    begin,
    finish,
    needs_history=True,
)


def templates(content) -> list[str]:
    return ["next/helped_gone", "next/helped_skipped", "next/helped_saved"]


PRACTICE = Practice(
    flows=(FLOW,),
    buttons=(GlobalButton(GO, press_go, needs_history=True), GlobalButton(HELPED, press_helped, needs_history=True)),
    templates=templates,
)
