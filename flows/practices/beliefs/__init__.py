"""/beliefs: core beliefs with the downward arrow, and a daily note for the new belief.

- `worksheet`: from a thought down to the belief beneath it, then a more balanced one
  (entries of kind `belief`).
- `log`: the positive data log, an optional daily one-line note of something that fits the
  new belief (entries of their own kind, `belief_log`), nudged on the scheduled rows with
  back-off and switched in /settings.
"""

from flows.dialogue.registry import Practice
from flows.practices.beliefs import log, worksheet
from flows.practices.beliefs.common import KIND, LOG_KIND

PRACTICE = Practice(
    flows=(worksheet.WORKSHEET, log.NOTE_FLOW),
    buttons=log.BUTTONS,
    scheduled=(log.DAILY_NOTE,),
    records=(KIND, LOG_KIND),
    after_update=(log.KEEP_DAILY_NOTE,),
)
