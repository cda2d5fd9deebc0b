"""Every flow a command can start. A new practice is one module and one line here."""

from flows import data, mood, onboarding, safetyplan, settings

FLOWS = [
    onboarding.FLOW,
    settings.FLOW,
    safetyplan.FLOW,
    mood.FLOW,
    data.DELETE,
]
