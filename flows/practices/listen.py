"""A reply that listens: words typed when no practice is running get templated replies that
fit them, never generated words (content/templates/listen/, the word lists in
content/practices/listen.toml).

- a longer message (a vent): one validating line, then the choice to write it down as a
  thought record (their words become its situation, kept encrypted like any answer while
  they choose), log how they feel, take a calm exercise, or see help lines;
- "help" and its equivalents: [Help lines now] [What I can do];
- a greeting ("hi", "hola", "good morning"): a greeting and [Log my mood] [Look at a
  thought] [A calm exercise];
- thanks: you're welcome, and where to go next;
- anything else short (an emoji, "ok"): a gentle reply with a way in.

The engine screens the words for risk first: words the screen flags get the safety
response, never these.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from flows.dialogue.core import Answer, Button, Ctx, Flow, Goto, Invalid, Option, OptionRows, Reply, Step
from flows.dialogue.detour import plain
from flows.dialogue.registry import Practice, Pressed
from flows.lib.content import DataFile
from flows.practices import crisis, next_steps, thought

VENT, GREETING, HELP, THANKS, OTHER = "vent", "greeting", "help", "thanks", "other"
# The vent's choices
WRITE, FEEL, CALM, LINES = "write", "feel", "calm", "lines"
SAID_CHARS = 4000  # what they wrote, kept while they choose (more typed is added, up to this)
SHORT_WORDS = 4  # "i need help please": a call for help in a few words


class ListenWords(DataFile):
    """What is read as a greeting, a call for help or thanks, and how long a vent is."""

    path = "practices/listen.toml"

    vent_chars: int = Field(ge=40, le=1000)
    greetings: list[str] = Field(min_length=1)
    greeting_extras: list[str] = []
    help: list[str] = Field(min_length=1)
    thanks: list[str] = Field(min_length=1)

    @field_validator("greetings", "greeting_extras", "help", "thanks")
    @classmethod
    def _plain(cls, words: list[str]) -> list[str]:
        for word in words:
            if plain(word) != word:
                raise ValueError(f"{word!r}: lowercase words without punctuation, one space apart")
        return words


def kind_of(words: ListenWords, text: str) -> str:
    """What a message typed outside a practice is: VENT, HELP, GREETING, THANKS or OTHER."""
    if len(text) >= words.vent_chars:
        return VENT
    said = plain(text)
    if said in words.help or (len(said.split()) <= SHORT_WORDS and set(said.split()) & set(words.help)):
        return HELP
    if _opens_with(said, words.greetings, words.greeting_extras):
        return GREETING
    if _opens_with(said, words.thanks, ()):
        return THANKS
    return OTHER


def _opens_with(said: str, phrases: list[str], extras: tuple[str, ...] | list[str]) -> bool:
    """`said` is one of the phrases, alone or followed by one of `extras` ("hi there")."""
    for phrase in phrases:
        if said == phrase:
            return True
        rest = said.removeprefix(phrase + " ")
        if rest != said and rest in extras:
            return True
    return False


def listens(ctx: Ctx, text: str) -> Pressed:
    """The engine's call for words typed when no practice is running (already screened)."""
    kind = kind_of(ctx.content.of(ListenWords), text)
    if kind == VENT:
        return Pressed([], start=FLOW.name, data={"said": text[:SAID_CHARS]}, interrupting=False)
    if kind == HELP:
        lines = Button(ctx.button("listen_help_lines_now"), data="g:crisis")
        buttons = ((lines, next_steps.go(ctx, next_steps.HELP, "listen_what_i_can_do")),)
        return Pressed([Reply(ctx.render("listen/help"), buttons)])
    if kind == GREETING:
        buttons = ((next_steps.go(ctx, "mood", "listen_log_my_mood"), next_steps.go(ctx, "thought")),
                   (next_steps.go(ctx, "checkin", "listen_calm"),))  # fmt: skip
        return Pressed([Reply(ctx.render("listen/greeting"), buttons)])
    if kind == THANKS:
        return Pressed([Reply(ctx.render("listen/thanks"))])
    buttons = ((next_steps.go(ctx, "mood", "listen_log_feel"), next_steps.go(ctx, "checkin", "listen_calm")),)
    return Pressed([Reply(ctx.render("listen/other"), buttons)])


# ---------------------------------------------------------------------------- a vent


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    return [], VENT


def vent_options(ctx: Ctx) -> OptionRows:
    return [
        [Option(WRITE, ctx.button("listen_write_down"))],
        [Option(FEEL, ctx.button("listen_log_feel")), Option(CALM, ctx.button("listen_calm"))],
        [Option(LINES, ctx.button("listen_help_lines"))],
    ]


def read_vent(ctx: Ctx, answer: Answer) -> Goto:
    if answer.text:  # more of what they are saying: kept with the rest
        ctx.data["said"] = f"{ctx.data['said']}\n{answer.text}"[:SAID_CHARS]
        ctx.data["more"] = True
        return Goto(VENT)
    if answer.choice == LINES:
        return Goto(None, tuple(crisis.replies(ctx, None)))
    if answer.choice in (WRITE, FEEL, CALM):
        ctx.data["then"] = answer.choice
        return Goto(None)
    raise Invalid("listen/vent_tap")


def then(ctx: Ctx) -> str | tuple[str, dict] | None:
    """Where their choice leads: their words become the thought record's situation (hidden
    there too, if the screen flagged any of them)."""
    chosen = ctx.data.get("then")
    if chosen == WRITE:
        data: dict = {"situation": ctx.data["said"]}
        if "said" in ctx.hidden:
            data["hidden"] = ["situation"]
        return thought.FLOW.name, data
    return {FEEL: "mood", CALM: "checkin"}.get(chosen or "")


def finish(ctx: Ctx) -> list[Reply]:
    return []


def cancelled(ctx: Ctx) -> list[Reply]:
    return [Reply(ctx.render("listen/cancelled"))]


FLOW = Flow.of(
    "listen",
    None,
    [Step(VENT, "listen/vent", read_vent, None, goes_to=(VENT, None), options=vent_options, fills="said")],
    begin,
    finish,
    cancelled=cancelled,
    # Words of suicide, self-harm or being hurt end it, after the safety detour, as they end a thought record.
    ends_on_risk=thought.ENDS_RECORD,
    then=then,
)


def templates(content) -> list[str]:
    return [f"listen/{name}" for name in ("greeting", "help", "thanks", "other", "vent_tap", "cancelled")]


PRACTICE = Practice(flows=(FLOW,), listens=listens, templates=templates)
