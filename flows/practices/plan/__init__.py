"""Behavioural activation: plan one small activity, get a neutral reminder at that time, and
rate it afterwards (pleasure, mastery and mood).

- `new`: /plan, choosing the activity, a day, a time and a guess at the pleasure it brings;
  `/plan list` (`listing`) shows what is planned, done and missed.
- `reminder`: the neutral reminder and its buttons, which start `rate` (Done) or `move`
  (Reschedule), short practices of their own.
Without consent a planned activity is still kept, only until its reminder is answered:
after the rating (or when the reminder was missed) it is forgotten.
"""

from flows.dialogue.registry import Practice
from flows.practices.plan import move, new, rate, reminder
from flows.practices.plan.common import KIND

PRACTICE = Practice(
    flows=(new.FLOW, rate.FLOW, move.FLOW),
    buttons=reminder.BUTTONS,
    scheduled=(reminder.SCHEDULED,),
    records=(KIND,),
)
