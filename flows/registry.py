"""Every practice the bot serves. A new practice is one module, its content and one line here."""

from flows.dialogue.registry import Registry
from flows.practices import check, checkin, crisis, help, journal, learn, mood, onboarding, privacy, progress
from flows.practices import safetyplan, settings, thought
from flows.practices import plan
from flows.practices import beliefs, experiment, solve
from flows.practices import listen, next_steps

REGISTRY = Registry.of(
    onboarding.PRACTICE,
    settings.PRACTICE,
    help.PRACTICE,
    crisis.PRACTICE,
    safetyplan.PRACTICE,
    mood.PRACTICE,
    thought.PRACTICE,
    checkin.PRACTICE,
    check.PRACTICE,
    progress.PRACTICE,
    plan.PRACTICE,
    experiment.PRACTICE,
    solve.PRACTICE,
    beliefs.PRACTICE,
    learn.PRACTICE,
    journal.PRACTICE,
    privacy.PRACTICE,
    next_steps.PRACTICE,
    listen.PRACTICE,
)
