"""/safetyplan: a personal safety plan in the Stanley-Brown form, one section at a time.

Each section is skippable and can be changed later. The plan is the person's own words,
kept encrypted with their other entries (only if they agreed to keep entries), and shown
with /crisis and from the risk response. The sections themselves are content
(content/safety_plan.toml), so one step walks through them by index.
"""

from __future__ import annotations

from flows.lib import markup
from flows.lib.content import PlanSection, SafetyPlanContent
from flows.dialogue.core import Answer, Ctx, Flow, Invalid, Option, OptionRows, Reply, Step
from flows.dialogue.detour import plain
from flows.dialogue.registry import GlobalButton, Practice, Pressed
from flows.practices import next_steps

MENU, PICK, SECTION = "menu", "pick", "section"
SKIP, KEEP, SUGGESTED, EDIT, DONE = "skip", "keep", "suggested", "edit", "done"


def sections(ctx: Ctx) -> list[PlanSection]:
    return ctx.content.of(SafetyPlanContent).section


def show_plan(ctx: Ctx) -> list[Reply]:
    """Their plan, whole: its sections in as few messages as fit a phone screen each (a
    section longer than a screen has a message of its own; nothing of theirs is cut)."""

    def render(shown: list[PlanSection], first: bool) -> str:
        return ctx.render("safetyplan/plan", plan=ctx.safety_plan, sections=shown, first=first)

    return [Reply(text) for text in markup.pack(render, sections(ctx))]


def begin(ctx: Ctx) -> tuple[list[Reply], str | None]:
    if ctx.safety_plan:
        return show_plan(ctx), MENU
    ctx.data["index"] = 0
    return [Reply(ctx.render("safetyplan/intro"))], SECTION


def finish(ctx: Ctx) -> list[Reply]:
    if not ctx.data.get("changed"):
        return [Reply(ctx.render("safetyplan/unchanged"))]
    return [*show_plan(ctx), Reply(ctx.render("safetyplan/saved"), next_steps.rows(next_steps.go(ctx, "checkin")))]


# ---------------------------------------------------------------- menu and picking


def read_menu(ctx: Ctx, answer: Answer) -> None:
    choice = answer.choice
    if choice is None and plain(answer.text or "") in ctx.content.choices["done_words"]:
        choice = DONE  # "no", "done": the plan stays as it is
    if choice not in (EDIT, DONE):
        raise Invalid("safetyplan/menu_tap")
    ctx.data["menu"] = choice


def menu_options(ctx: Ctx) -> OptionRows:
    return [[Option(EDIT, ctx.button("edit_a_section")), Option(DONE, ctx.button("done"))]]


def read_pick(ctx: Ctx, answer: Answer) -> None:
    keys = [section.key for section in sections(ctx)]
    if answer.choice not in keys:
        raise Invalid("safetyplan/pick_tap")
    ctx.data["index"] = keys.index(answer.choice)
    ctx.data["editing"] = True


def pick_options(ctx: Ctx) -> OptionRows:
    return [[Option(section.key, section.title)] for section in sections(ctx)]


# ------------------------------------------------------------------------ sections


def current_section(ctx: Ctx) -> PlanSection:
    return sections(ctx)[ctx.data["index"]]


def crisis_line(ctx: Ctx) -> tuple[str, str] | None:
    """(name, "name number") of the person's country's main crisis line, if it has a phone."""
    lines = ctx.content.crisis_lines.get(ctx.settings.country or "")
    if lines is None or not lines.crisis[0].phone:
        return None
    return lines.crisis[0].name, f"{lines.crisis[0].name} {lines.crisis[0].phone}"


def always_there(ctx: Ctx, text: str) -> list[str]:
    """The crisis line and the emergency number, unless their own words already hold them."""
    lines = ctx.content.crisis_lines.get(ctx.settings.country or "")
    kept = []
    line = crisis_line(ctx)
    if line and lines and lines.crisis[0].phone not in text:
        kept.append(line[1])
    if lines and lines.emergency[0].number not in text:
        kept.append(ctx.button("plan_emergency", number=lines.emergency[0].number))
    return kept


def suggestion(ctx: Ctx) -> tuple[str, str] | None:
    return crisis_line(ctx) if current_section(ctx).suggest_crisis_line else None


def current_value(ctx: Ctx) -> str | None:
    """What the section holds now; an empty professionals section is pre-filled with the
    country's crisis line, kept if they tap "Keep as it is"."""
    key = current_section(ctx).key
    suggested = suggestion(ctx)
    if key not in ctx.safety_plan and suggested:
        return suggested[1]
    return ctx.safety_plan.get(key)


def section_options(ctx: Ctx) -> OptionRows:
    rows = []
    suggested = suggestion(ctx)
    if suggested and suggested[1] not in (current_value(ctx) or ""):
        rows.append([Option(SUGGESTED, ctx.button("add_suggestion", name=suggested[0]))])
    if current_value(ctx):
        rows.append([Option(KEEP, ctx.button("keep_as_it_is"))])
    else:
        rows.append([Option(SKIP, ctx.button("skip"))])
    return rows


def read_section(ctx: Ctx, answer: Answer) -> None:
    key = current_section(ctx).key
    suggested = suggestion(ctx)
    if answer.choice == SUGGESTED and suggested and suggested[1] not in (ctx.safety_plan.get(key) or ""):
        ctx.safety_plan[key] = "\n".join(filter(None, [ctx.safety_plan.get(key), suggested[1]]))
        ctx.data["changed"] = True
    elif answer.text:
        # Their own professionals never push out the crisis line and the emergency number.
        ctx.safety_plan[key] = "\n".join([answer.text, *always_there(ctx, answer.text)]) if suggested else answer.text
        ctx.data["changed"] = True
    elif answer.choice == KEEP and key not in ctx.safety_plan and current_value(ctx):
        ctx.safety_plan[key] = current_value(ctx)  # the pre-filled crisis line, accepted
        ctx.data["changed"] = True
    elif answer.choice not in (SKIP, KEEP):
        raise Invalid("safetyplan/pick_tap")
    ctx.data["index"] += 1


def after_section(ctx: Ctx) -> str | None:
    if ctx.data.get("editing") or ctx.data["index"] >= len(sections(ctx)):
        return None
    return SECTION


def section_variables(ctx: Ctx) -> dict:
    suggested = suggestion(ctx)
    return {
        "section": current_section(ctx),
        "position": ctx.data["index"] + 1,
        "total": len(sections(ctx)),
        "current": current_value(ctx),
        "suggestion": suggested[1] if suggested else None,
    }


FLOW = Flow.of(
    "safetyplan",
    "safetyplan",
    [
        Step(MENU, "safetyplan/menu", read_menu, lambda ctx: PICK if ctx.data["menu"] == EDIT else None, menu_options,
             goes_to=(PICK, None), optional=True),  # /journal or /crisis after it: not asked again
        Step(PICK, "safetyplan/pick", read_pick, SECTION, pick_options),
        Step(SECTION, "safetyplan/ask", read_section, after_section, section_options, section_variables,
             goes_to=(SECTION, None)),
    ],
    begin,
    finish,
    expects_hard_words=True,  # writing a safety plan means writing about hard times
)


def keep_or_forget(ctx: Ctx) -> None:
    """Without consent nothing they write outlives the practice; a plan written while they
    agreed stays when they withdraw it (they can /delete it)."""
    state = ctx.state
    assert state is not None
    safety = state.safety
    if state.settings.consent:
        if safety.plan:
            safety.plan_kept = True
    elif not safety.plan_kept and not (state.flow is not None and state.flow.name == FLOW.name):
        safety.plan = {}


PRACTICE = Practice(
    flows=(FLOW,),
    # [My safety plan] in the safety menu: the practice they were in is left.
    buttons=(GlobalButton("plan", lambda ctx, argument: Pressed([], start=FLOW.name, interrupting=False)),),
    after_update=(keep_or_forget,),
)
