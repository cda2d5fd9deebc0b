"""The registry and each flow's graph: what a practice declares is checked when it is built."""

from __future__ import annotations

import pytest

from flows.dialogue.core import FlowError, Flow, Goto, Reply, Step
from flows.dialogue.engine import Engine, missing_content
from flows.dialogue.registry import Command, Practice, Registry, RegistryError
from flows.registry import REGISTRY


def _step(name: str, next, **more) -> Step:
    return Step(name, "mood/score", lambda ctx, answer: None, next, **more)


def _flow(*steps: Step) -> Flow:
    return Flow.of("try", None, list(steps), lambda ctx: ([], steps[0].name), lambda ctx: [])


def test_every_flow_prints_its_graph_and_every_step_is_reached(capsys):
    for flow in REGISTRY.flows.values():
        graph = flow.graph()
        print(graph, end="\n\n")
        lines = graph.splitlines()
        assert lines[0].startswith(f"{flow.name} (starts on ")
        assert [line.split(" -> ")[0].strip() for line in lines[1:]] == list(flow.steps)
        assert any(line.endswith("end") or "| end" in line for line in lines[1:]), f"{flow.name} never ends"
    assert "plan (starts on category)" in capsys.readouterr().out


def test_a_branch_to_a_missing_or_undeclared_step_fails_when_the_flow_is_built():
    with pytest.raises(FlowError, match="goes to \\['nowhere'\\]"):
        _flow(_step("a", "nowhere"))
    with pytest.raises(FlowError, match="declare where it may go"):
        _flow(_step("a", lambda ctx: None))
    with pytest.raises(FlowError, match="no way to reach \\['b'\\]"):
        _flow(_step("a", None), _step("b", None))
    assert _flow(_step("a", None, goes_to=("b",)), _step("b", None)).graph() == "try (starts on a)\n  a -> b | end\n  b -> end"


def test_a_step_going_where_it_did_not_declare_is_refused():
    step = _step("a", "b", goes_to=(None,))
    assert step.next_step(None) == "b" and step.next_step(None, Goto(None)) is None  # type: ignore[arg-type]
    with pytest.raises(FlowError, match="went to 'c'"):
        step.next_step(None, Goto("c"))  # type: ignore[arg-type]


def test_two_practices_cannot_claim_one_name():
    one = Practice(commands=(Command("help", lambda ctx, args: [Reply("a")]),))
    with pytest.raises(RegistryError, match="command 'help' is declared twice"):
        Registry.of(one, one)
    with pytest.raises(RegistryError, match="record kind 'mood'"):
        Registry.of(Practice(records=("mood",)), Practice(records=("mood",)))


def test_content_a_practice_names_must_exist_or_the_bot_does_not_start(storage, content):
    assert missing_content(REGISTRY, content) == []
    broken = Flow.of("mood", "mood", [Step("a", "mood/no_such_template", lambda ctx, answer: None, None)],
                     lambda ctx: ([], "a"), lambda ctx: [])
    registry = REGISTRY.replacing(broken)
    with pytest.raises(ValueError, match=r"templates/mood/no_such_template.html \(mood.a\)"):
        Engine(storage, content, registry)
    new_kind = Registry.of(*[Practice(flows=tuple(REGISTRY.flows.values()), commands=tuple(REGISTRY.commands.values()),
                                      buttons=tuple(REGISTRY.buttons.values())), Practice(records=("sleep",))])
    assert missing_content(new_kind, content) == [
        "records.toml [sleep]", "templates/journal/sleep.html", "buttons.toml journal_sleep",
    ]
