"""`python -m bot traps`: the thinking-trap ranker on lines from standard input, for content
reviewers and for tests.

Each input line is plain text, or a JSON object {"text": ...}. One JSON object is printed per
line: {"traps": [ids, likeliest first], "matched": true | false}. "matched" is false when the
words gave the ranker nothing to go on; the list is then the traps people meet most often,
and the thought record does not call them "most likely". No network, no database, no token.
A line that cannot be read gets {"error": ...} and the rest go on.
"""

from __future__ import annotations

import json
import sys
from typing import IO

from flows.lib.content import Content
from flows.lib.traps import TrapRanker


def rank_line(ranker: TrapRanker, line: str) -> dict:
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            text = json.loads(stripped)["text"]
            if not isinstance(text, str):
                raise ValueError('"text" must be a string')
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            return {"error": f"{type(error).__name__}: {error}"}
        return ranker.rank(text).as_json()
    return ranker.rank(line.rstrip("\n")).as_json()


def run(stdin: IO[str], stdout: IO[str], content: Content | None = None) -> int:
    ranker = (content or Content()).trap_ranker
    for line in stdin:
        if line.strip():
            stdout.write(json.dumps(rank_line(ranker, line)) + "\n")
            stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.stdin, sys.stdout))
