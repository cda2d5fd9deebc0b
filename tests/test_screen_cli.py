"""`python -m bot screen`: lines in, one JSON verdict per line out, for clinicians and tests."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.screen_cli import run

ROOT = Path(__file__).resolve().parent.parent


def screen(lines: list[str], content) -> list[dict]:
    out = io.StringIO()
    assert run(io.StringIO("\n".join(lines) + "\n"), out, content) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_plain_text_and_json_with_context(content):
    got = screen(
        [
            "i want to die",
            "had a lovely walk with my sister",
            json.dumps({"text": "goodbye"}),
            json.dumps({"text": "goodbye", "context": "after_risk"}),
            json.dumps({"text": "tonight", "context": ["harm_from_others"]}),
            "",  # blank lines are skipped
            json.dumps({"text": 42}),
            "{not json",
        ],
        content,
    )
    assert got[0] == {"level": "respond", "kinds": ["suicidal"], "why": "pattern"}
    assert got[1] == {"level": "none", "kinds": [], "why": None}
    assert got[2]["level"] == "none"
    assert got[3] == {"level": "respond", "kinds": ["plan", "suicidal"], "why": "context"}
    assert got[4]["level"] == "respond" and "harm_from_others" in got[4]["kinds"] and got[4]["why"] == "context"
    assert set(got[5]) == {"error"} and set(got[6]) == {"error"}
    assert len(got) == 7


def test_an_act_already_done(content):
    (got,) = screen(["I took a load of pills an hour ago"], content)
    assert got["level"] == "respond" and {"act", "plan"} <= set(got["kinds"])


def test_it_runs_with_no_token_no_database_and_no_network(tmp_path: Path):
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HTTPS_PROXY": "http://127.0.0.1:9"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "screen"], input="i want to die\nhello there\n",
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["level"] for line in result.stdout.splitlines()] == ["respond", "none"]
    assert list(tmp_path.iterdir()) == []  # no database, no key file
