"""Every flow a command can start. A new practice is one module and one line here."""

from flows.practices import checkin, data, mood, onboarding, plan, safetyplan, settings, thought

FLOWS = [
    onboarding.FLOW,
    settings.FLOW,
    safetyplan.FLOW,
    mood.FLOW,
    thought.FLOW,
    checkin.FLOW,
    plan.FLOW,
    *plan.MORE_FLOWS,  # rating a done activity, moving one: started from its reminder
    data.DELETE,
]
