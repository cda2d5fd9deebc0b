"""`python -m bot screen`: the risk screen on lines from standard input, for clinicians
reviewing a change to the patterns or the model, and for tests.

Each input line is plain text, or a JSON object {"text": ..., "context": ...}. A context
reads the line as the bot would in the 24 hours after a full risk response: "after_risk"
(for suicidal thoughts), or a list of the kinds that response answered. One JSON object is
printed per line: {"level": "respond" | "ask" | "none", "kinds": [...], "why": "pattern" |
"model" | "context" | null}. No network, no database, no token. A line that cannot be read
gets {"error": ...} and the rest go on.
"""

from __future__ import annotations

import json
import sys
from typing import IO

from flows.lib.content import Content
from flows.lib.risk_screen import Context, RiskScreen


def context_of(raw: object) -> Context:
    if raw in (None, "", False):
        return Context()
    if raw in ("after_risk", True):
        return Context(recent=frozenset({"suicidal"}))
    if isinstance(raw, list) and all(isinstance(k, str) for k in raw):
        return Context(recent=frozenset(raw))
    raise ValueError('"context" must be "after_risk" or a list of kinds')


def screen_line(screen: RiskScreen, line: str) -> dict:
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            row = json.loads(stripped)
            text = row["text"]
            if not isinstance(text, str):
                raise ValueError('"text" must be a string')
            return screen.screen(text, context_of(row.get("context"))).as_json()
        except (json.JSONDecodeError, KeyError, ValueError) as error:
            return {"error": f"{type(error).__name__}: {error}"}
    return screen.screen(line.rstrip("\n")).as_json()


def run(stdin: IO[str], stdout: IO[str], content: Content | None = None) -> int:
    screen = (content or Content()).risk_screen
    for line in stdin:
        if not line.strip():
            continue
        stdout.write(json.dumps(screen_line(screen, line)) + "\n")
        stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.stdin, sys.stdout))
