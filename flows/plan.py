"""/plan: behavioural activation (placeholder until the practice lands)."""

from __future__ import annotations

from flows.core import Ctx, Due, Reply


def reminder(ctx: Ctx, due: Due) -> list[Reply]:
    return []


def missed(ctx: Ctx, due: Due) -> None:
    return None


def button(ctx: Ctx, action: str, argument: str):
    return None
