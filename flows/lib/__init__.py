"""Libraries with no dialogue of their own: screening, places, schedule, content, markup."""
