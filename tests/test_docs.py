"""The hazard log names the tests that show each control works: every one must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_test_the_hazard_log_names_exists():
    log = (ROOT / "docs" / "safety.md").read_text()
    named = re.findall(r"(tests/\w+\.py)(?:::(\w+))?", log)
    assert len(named) >= 10
    for path, first in named:
        assert (ROOT / path).exists(), path
    # "tests/x.py::a, `b`, `c`": every name after a file, up to the next file, is a test in it
    for path, rest in re.findall(r"(tests/\w+\.py)((?:(?!tests/\w+\.py).)*)", log, flags=re.S):
        functions = {
            node.name
            for node in ast.walk(ast.parse((ROOT / path).read_text()))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        for name in re.findall(r"\b(test_\w+)", rest):
            assert name in functions, f"docs/safety.md names {path}::{name}, which does not exist"
