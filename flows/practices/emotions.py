"""Emotion words, several at once: buttons that toggle (✓), or words typed with commas.

Shared by /mood and /thought. The words are content (content/practices/thought.toml): the
hard ones, and the pleasant ones (calm, proud, ...) which /mood offers too, first after a
good mood. A thought record offers only the hard ones, and never takes a pleasant word for
distress (`hard`). Chosen words go in ctx.data["emotions"]; ctx.data["emotions_done"] is
set when they are finished (Done, Skip, or typed words).
"""

from __future__ import annotations

from collections.abc import Callable

from flows.lib.content import ThoughtContent
from flows.dialogue.core import Answer, Ctx, Invalid, Option, OptionRows, in_rows

DONE, SKIP = "done", "skip"
WORD_CHARS = 40  # one typed emotion word
MOST = 10  # typed words kept at most
GOOD_MOOD = 6  # a /mood score from which the pleasant words come first


def words(ctx: Ctx, pleasant: bool = False) -> list[str]:
    """The words offered, in order (a button carries its word's place in this list)."""
    content = ctx.content.of(ThoughtContent)
    if not pleasant:
        return content.emotions
    if ctx.data.get("score", 0) >= GOOD_MOOD:
        return [*content.pleasant_emotions, *content.emotions]
    return [*content.emotions, *content.pleasant_emotions]


def hard(ctx: Ctx, chosen: list[str]) -> list[str]:
    """The chosen words that are not pleasant ones: what a thought record may rate."""
    pleasant = {w.casefold() for w in ctx.content.of(ThoughtContent).pleasant_emotions}
    return [w for w in chosen if w.casefold() not in pleasant]


def read(ctx: Ctx, answer: Answer, reprompt: str, pleasant: bool = False) -> None:
    """Read a tap (toggle a word, or Done/Skip) or typed words; `reprompt` names the
    template that explains what works; `pleasant`: the pleasant words are offered too."""
    chosen: list[str] = ctx.data.setdefault("emotions", [])
    offered = words(ctx, pleasant)
    if answer.choice in (DONE, SKIP):
        ctx.data["emotions_done"] = True
        return
    if answer.choice is not None:
        if not answer.choice.isdigit() or int(answer.choice) >= len(offered):
            raise Invalid(reprompt)
        word = offered[int(answer.choice)]
        chosen.remove(word) if word in chosen else chosen.append(word)
        return
    typed = [w.strip() for w in (answer.text or "").replace(" and ", ",").split(",") if w.strip()]
    if not typed or any(len(w) > WORD_CHARS for w in typed):
        raise Invalid(reprompt)
    for word in typed:
        if word.lower() not in (c.lower() for c in chosen) and len(chosen) < MOST:
            chosen.append(word)
    ctx.data["emotions_done"] = True


def options_for(pleasant: bool = False) -> Callable[[Ctx], OptionRows]:
    def options(ctx: Ctx) -> OptionRows:
        chosen = ctx.data.get("emotions", [])
        buttons = [Option(str(i), ("✓ " if w in chosen else "") + w) for i, w in enumerate(words(ctx, pleasant))]
        last = Option(DONE, ctx.button("done")) if chosen else Option(SKIP, ctx.button("skip"))
        return [*in_rows(buttons, 3), [last]]

    return options


options = options_for()  # the hard words only (a thought record)
