"""Every flow a command can start. A new practice is one module and one line here."""

from flows import onboarding, settings

FLOWS = [
    onboarding.FLOW,
    settings.FLOW,
]
