"""/thought (being built)."""

from __future__ import annotations

from flows.core import Ctx, Flow, Reply


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    return [Reply("Coming soon.")], None


FLOW = Flow.of("thought", "thought", [], begin, lambda ctx: [])
