"""`python -m bot console`: the same flows in a terminal, driven through a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_console(tmp_path: Path, lines: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path}/chat.db",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=60,
    )


def test_console_runs_onboarding_with_numbered_buttons_and_exits_cleanly(tmp_path: Path):
    result = run_console(tmp_path, ["2", "Ireland", "1", "21:30", "/crisis"])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[1] Need help now?" in out and "[2] Yes, keep them" in out
    assert "Thanks — Ireland" in out and "You're all set" in out and "21:30" in out
    assert "116 123" in out  # /crisis for Ireland
    assert "<b>" not in out and "&amp;" not in out  # HTML shown as plain text
    assert "Created a new encryption key" in result.stderr
    assert (tmp_path / "chat.key").exists()


def test_console_resumes_and_welcomes_back(tmp_path: Path):
    run_console(tmp_path, ["2", "Skip", "Skip", "Skip"])
    result = run_console(tmp_path, [])
    assert result.returncode == 0
    assert "Welcome back" in result.stdout and "Created a new" not in result.stderr


def test_console_with_a_wrong_key_stops_with_a_clear_message(tmp_path: Path):
    run_console(tmp_path, [])
    wrong = "A" * 43 + "="
    result = run_console(tmp_path, [], DATA_ENCRYPTION_KEY=wrong)
    assert result.returncode == 2
    assert "different key" in result.stderr and "Traceback" not in result.stderr


def test_console_resumes_a_flow_where_it_was_left(tmp_path: Path):
    run_console(tmp_path, ["2", "Ireland"])  # stops at the time zone question
    result = run_console(tmp_path, ["Dublin", "Skip"])
    assert result.returncode == 0
    out = result.stdout
    assert "Step 1 of 4" not in out and out.index("Which time zone") < out.index("You're all set")
    assert "Dublin" in out
