"""Emotion words, several at once: buttons that toggle (✓), or words typed with commas.

Shared by /mood and /thought. The words are content (content/practices/thought.toml).
Chosen words go in ctx.data["emotions"]; ctx.data["emotions_done"] is set when they are
finished (Done, Skip, or typed words).
"""

from __future__ import annotations

from flows.lib.content import ThoughtContent
from flows.dialogue.core import Answer, Ctx, Invalid, Option, OptionRows, in_rows

DONE, SKIP = "done", "skip"
WORD_CHARS = 40  # one typed emotion word
MOST = 10  # typed words kept at most


def read(ctx: Ctx, answer: Answer, reprompt: str) -> None:
    """Read a tap (toggle a word, or Done/Skip) or typed words; `reprompt` names the
    template that explains what works."""
    chosen: list[str] = ctx.data.setdefault("emotions", [])
    words = ctx.content.of(ThoughtContent).emotions
    if answer.choice in (DONE, SKIP):
        ctx.data["emotions_done"] = True
        return
    if answer.choice is not None:
        if not answer.choice.isdigit() or int(answer.choice) >= len(words):
            raise Invalid(reprompt)
        word = words[int(answer.choice)]
        chosen.remove(word) if word in chosen else chosen.append(word)
        return
    typed = [w.strip() for w in (answer.text or "").replace(" and ", ",").split(",") if w.strip()]
    if not typed or any(len(w) > WORD_CHARS for w in typed):
        raise Invalid(reprompt)
    for word in typed:
        if word.lower() not in (c.lower() for c in chosen) and len(chosen) < MOST:
            chosen.append(word)
    ctx.data["emotions_done"] = True


def options(ctx: Ctx) -> OptionRows:
    chosen = ctx.data.get("emotions", [])
    every = ctx.content.of(ThoughtContent).emotions
    words = [Option(str(i), ("✓ " if w in chosen else "") + w) for i, w in enumerate(every)]
    last = Option(DONE, ctx.button("done")) if chosen else Option(SKIP, ctx.button("skip"))
    return [*in_rows(words, 3), [last]]
