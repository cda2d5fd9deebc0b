"""Structured problem solving (/solve): name one problem, brainstorm ideas without judging,
rate each for help and doability, choose one, plan small steps with a day and a time, and
look back later (did you do it, did it help, what next?).

- `new`: the /solve flow, six steps.
- `planning`: the small steps with a day and a time, shared with the look back.
- `review`: the neutral reminders and the look back, on scheduled rows, and `solve_review`.
- `common`: names, the data file (what counts as vague), quoting and the kind end on risk.

Entries are of kind "solve". Reminders and the look back are offered only to people who
keep entries: without that, nothing they wrote outlives the practice.
"""

from flows.dialogue.registry import Practice
from flows.practices.solve import new, review
from flows.practices.solve.common import KIND

PRACTICE = Practice(
    flows=(new.FLOW, review.FLOW),
    buttons=review.BUTTONS,
    scheduled=review.SCHEDULED,
    records=(KIND,),
)
