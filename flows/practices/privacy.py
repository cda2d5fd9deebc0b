"""/export and /delete: what is kept about a person is theirs to take and to erase.

/export sends one JSON document, built in memory, with everything stored about them,
decrypted and readable. /delete asks first, then removes every row of theirs, scheduled
reminders included, and says what went and that the chat history stays in Telegram.
"""

from __future__ import annotations

import json
from collections import Counter

from flows.dialogue.core import Answer, Ctx, Document, Flow, Invalid, Option, OptionRows, Reply, Step
from flows.dialogue.registry import Command, Practice

EXPORT_VERSION = 1
CONFIRM, YES, NO = "confirm", "yes", "no"


def export(ctx: Ctx, args: str) -> list[Reply]:
    settings = ctx.settings.to_dict()
    settings.pop("prompt_for", None)
    document = {
        "version": EXPORT_VERSION,
        "exported_at": ctx.now.isoformat(timespec="seconds"),
        "settings": settings,
        "consent": settings.pop("consent"),
        "safety_plan": ctx.safety_plan,
        "entries": {
            kind: [{"id": e.id, "at": e.at, **e.data} for e in ctx.history if e.kind == kind]
            for kind in ctx.records
        },
        "reminders": ctx.state.extra.get("scheduled", []),
        "risk_responses": ctx.state.extra.get("risk_events", []),
    }
    content = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    name = f"cbt-companion-{ctx.now:%Y-%m-%d}.json"
    return [Reply(ctx.render("data/export", count=len(ctx.history)), document=Document(name, content))]


def begin_delete(ctx: Ctx) -> tuple[list[Reply], str | None]:
    return [], CONFIRM


def read_confirm(ctx: Ctx, answer: Answer) -> None:
    if answer.choice not in (YES, NO):
        raise Invalid("data/delete_tap")
    ctx.data["erase"] = answer.choice == YES


def confirm_options(ctx: Ctx) -> OptionRows:
    return [[Option(YES, ctx.button("delete_yes"))], [Option(NO, ctx.button("delete_no"))]]


def removed(ctx: Ctx) -> dict[str, int]:
    counts = Counter(e.kind for e in ctx.history)
    return {kind: counts.get(kind, 0) for kind in ctx.records}


def finish_delete(ctx: Ctx) -> list[Reply]:
    if not ctx.data.get("erase"):
        return [Reply(ctx.render("data/delete_kept"))]
    said = ctx.render("data/deleted", counts=removed(ctx), plan=bool(ctx.safety_plan))
    ctx.erase_everything()
    ctx.state.suspended.clear()
    return [Reply(said)]


DELETE = Flow.of(
    "delete",
    "delete",
    [Step(CONFIRM, "data/delete_confirm", read_confirm, None, options=confirm_options,
          variables=lambda ctx: {"counts": removed(ctx), "plan": bool(ctx.safety_plan)})],
    begin_delete,
    finish_delete,
    needs_history=True,
)


PRACTICE = Practice(
    flows=(DELETE,),
    commands=(Command("export", export, needs_history=True, loads=frozenset({"risk_events", "scheduled"})),),
)
