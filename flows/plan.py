"""/plan: behavioural activation (placeholder until the practice lands)."""

from __future__ import annotations

from flows.core import Ctx, Due, Reply


def reminder(ctx: Ctx, due: Due) -> list[Reply]:
    return []


def missed(ctx: Ctx, due: Due) -> None:
    return None


def button(ctx: Ctx, action: str, argument: str):
    return None


def _begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    return [Reply("Coming soon.")], None


from flows.core import Flow  # noqa: E402

FLOW = Flow.of("plan", "plan", [], _begin, lambda ctx: [])
MORE_FLOWS: list[Flow] = []  # plan_rate, plan_when
