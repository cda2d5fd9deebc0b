#!/usr/bin/env python3
"""Set up and run CBT Companion with nothing but Python 3.11+.

    python3 dev.py chat    # talk to the bot in this terminal (no Telegram token needed)
    python3 dev.py test    # run the test suite
    python3 dev.py bot     # run the Telegram bot (needs TELEGRAM_BOT_TOKEN, DATA_ENCRYPTION_KEY)
    python3 dev.py bench   # /help and a thought-record step against a bare echo bot (bench/README.md)
    python3 dev.py bench-nudges      # scheduled nudges at scale: claims, CPU per nudge, the drain rate
    python3 dev.py bench-screening   # what risk screening costs per message
    python3 dev.py train-screening   # retrain the risk screen's model from tests/data/screening
    python3 dev.py train-traps       # retrain the thinking-trap ranker from tests/data/traps

On first use it creates a virtual environment in .venv and installs the project into it;
it reinstalls when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".installed-from"
COMMANDS = {
    "chat": ["-m", "bot", "console"],
    "test": ["-m", "pytest", "-q", "-n", "auto"],
    "bot": ["-m", "bot"],
    "bench": ["bench/bench_updates.py"],
    "bench-nudges": ["bench/bench_nudges.py"],
    "bench-screening": ["bench/bench_screening.py"],
    "train-screening": ["scripts/train_screening.py"],
    "train-traps": ["scripts/train_traps.py"],
}


def ensure_environment() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        print("Creating a virtual environment in .venv ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    print("Installing CBT Companion and its dependencies (first run only) ...", file=sys.stderr)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        print("CBT Companion needs Python 3.11 or newer.", file=sys.stderr)
        return 2
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    ensure_environment()
    os.chdir(ROOT)
    command = [str(PYTHON), *COMMANDS[argv[0]], *argv[1:]]
    if os.name == "nt":
        return subprocess.call(command)
    os.execv(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
