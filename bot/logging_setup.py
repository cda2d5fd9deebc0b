"""Logging that never records what people write.

Our own log lines carry ids and kinds only. httpx logs request URLs (which contain the bot
token) at INFO, and PTB's DEBUG logs whole updates, so those loggers stay at WARNING
whatever LOG_LEVEL says.
"""

import logging

QUIET_LOGGERS = ("httpx", "httpcore", "telegram", "apscheduler", "aiosqlite", "tornado")


def setup_logging(level: str) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
