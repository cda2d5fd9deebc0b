"""What the belief worksheet (/beliefs) and its daily note share: names, the families of
belief offered as help, and how their words may be quoted back."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flows.dialogue.core import Entry
from flows.lib.content import DataFile, button_id, short_text

KIND = "belief"  # one worksheet: the thought, the arrow down, the belief, a balanced one
LOG_KIND = "belief_log"  # one line of the positive data log: something that fits the new belief
NUDGE = "belief_prompt"  # the daily nudge to write that line (a recurring scheduled row)
FLOW, LOG_FLOW = "beliefs", "beliefs_log"

# Any disclosure ends the worksheet after the safety detour: a belief about oneself is not
# worked on beside thoughts of dying, self-harm, being hurt or hurting someone. (An age
# mention alone points to a youth line, and the practice goes on.)
ENDS = frozenset({"suicidal", "self_harm", "plan", "act", "harm_from_others", "harm_to_others"})


class Family(BaseModel):
    """A common family of core belief, shown only when someone asks for help with words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str  # a button label
    about: str
    examples: list[str] = Field(min_length=2, max_length=4)

    _id_shape = field_validator("id")(button_id)
    _label = field_validator("name")(short_text(28))

    @field_validator("examples")
    @classmethod
    def _short(cls, value: list[str]) -> list[str]:
        if any(not 1 <= len(example) <= 40 for example in value):
            raise ValueError("examples are 1-40 characters each")
        return value


class BeliefsContent(DataFile):
    path = "practices/beliefs.toml"

    family: list[Family]

    @model_validator(mode="after")
    def _distinct(self) -> BeliefsContent:
        if len(self.family) < 3 or len({f.id for f in self.family}) != len(self.family):
            raise ValueError("needs at least three families with different ids")
        return self


def latest_belief(history: list[Entry]) -> Entry | None:
    """Their newest finished worksheet with a balanced belief that may be quoted back."""
    return next(
        (
            e for e in history
            if e.kind == KIND and e.data.get("balanced") and "balanced" not in e.data.get("hidden", [])
            and not e.data.get("ended_for_safety")
        ),
        None,
    )  # fmt: skip
