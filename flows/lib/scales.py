"""Number scales as buttons (0–10 and 0–100), read from a tap or a typed number."""

from __future__ import annotations

from flows.dialogue.core import Answer, Invalid, Option, OptionRows, in_rows


def options(top: int) -> OptionRows:
    """0–10: eleven buttons; 0–100: 0, 10, … 100 (any whole number may be typed)."""
    values = range(top + 1) if top <= 10 else range(0, top + 1, 10)
    return in_rows([Option(str(v), str(v)) for v in values], 6 if top <= 10 else 4)


def read(answer: Answer, top: int) -> int:
    """The number tapped or typed; a re-prompt that names the range otherwise."""
    said = (answer.choice if answer.choice is not None else answer.text or "").strip().rstrip("%")
    try:
        value = int(said)
    except ValueError:
        raise Invalid("ask/scale", top=top) from None
    if not 0 <= value <= top:
        raise Invalid("ask/scale", top=top)
    return value
