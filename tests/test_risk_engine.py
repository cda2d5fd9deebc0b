"""The engine's safety detour with a moving clock: how long context lasts, how long a "No"
quiets the model, a risky tap, and a question left unanswered."""

from __future__ import annotations

from flows.dialogue.core import Answer, Ctx, Flow, Invalid, Option, Reply, Step
from flows.registry import REGISTRY
from tests.conftest import PROBABLE, PROBABLE_TOO, Chat, log_mood, set_up, started_thought_record

SAFE_QUESTION = "Are you safe right now?"
ASKED = "Are you having thoughts of ending your life"


async def test_context_lasts_24_hours(ana: Chat, clock):
    await set_up(ana)
    await ana.send("i want to kill myself")
    await ana.press("Safe for now")
    await ana.press("Stop for now")
    clock.move(hours=23)
    await ana.send("goodbye")
    assert "116 123" in ana.text and "999" in ana.text
    clock.move(hours=25)  # a day after the last full response
    await ana.send("goodbye")
    assert "116 123" not in ana.text


async def test_no_quiets_the_model_for_an_hour_but_never_the_patterns(ana: Chat, clock, probable):
    await set_up(ana)
    await ana.send(PROBABLE)
    assert ASKED in ana.text
    await ana.press("No, I'm OK")
    await ana.send(PROBABLE_TOO)
    assert ASKED not in ana.text and SAFE_QUESTION not in ana.text
    await ana.send("i want to die")
    assert SAFE_QUESTION in ana.text  # patterns still respond
    await ana.press("Safe for now")
    await ana.press("Stop for now")
    clock.move(hours=30)  # past the context of that response and the quiet hour
    await ana.send(PROBABLE)
    assert ASKED in ana.text


async def test_a_question_left_unanswered_keeps_the_held_answer(ana: Chat, probable):
    await set_up(ana)
    await ana.send("/thought")
    await ana.press("Quick version")
    await ana.send(PROBABLE)
    assert ASKED in ana.text
    await ana.send("I'll never get on top of it")  # typed on, without tapping
    assert ASKED not in ana.text and "thinking trap" in ana.text  # situation and thought both kept
    assert "I'll never get on top of it" in ana.text


def questionnaire() -> Flow:
    """A one-question practice whose second option speaks of risk (as PHQ-9 item 9 will)."""

    def read(ctx: Ctx, answer: Answer) -> None:
        if answer.choice not in ("0", "1"):
            raise Invalid("general/stale_button", in_flow=True)
        ctx.data["item"] = int(answer.choice)

    step = Step(
        "item", "mood/score", read, None,
        options=lambda ctx: [[Option("0", "Not at all"), Option("1", "Several days", risk=frozenset({"suicidal"}))]],
    )
    return Flow.of("mood", "mood", [step], lambda ctx: ([], "item"),
                   lambda ctx: [Reply(f"answered {ctx.data['item']}")])


async def test_a_tapped_option_can_carry_risk(engine_factory, clock):
    chat = Chat(engine_factory(clock, registry=REGISTRY.replacing(questionnaire())))
    await set_up(chat)
    await chat.send("/mood")
    await chat.press("Several days")
    assert SAFE_QUESTION in chat.text and "116 123" in chat.text
    await chat.press("Safe for now")
    await chat.press("Carry on")
    assert "answered 1" in chat.text  # the tap still counts as their answer
    await chat.send("/mood")
    await chat.press("Not at all")
    assert SAFE_QUESTION not in chat.text and "answered 0" in chat.text


async def test_a_command_whose_words_are_probable_still_runs_and_asks(ana: Chat, probable):
    await set_up(ana)
    await ana.send(f"/thought {PROBABLE}")
    assert "Full record" in ana.labels() and ASKED in ana.text
    await ana.press("Yes")
    assert SAFE_QUESTION in ana.text and PROBABLE not in ana.text


async def test_someone_to_be_with_them_is_answered_only_while_it_is_open(ana: Chat, clock):
    await set_up(ana)
    await started_thought_record(ana, "Full record", "i want to die")
    await ana.press("Not sure")
    await ana.send("/help")  # a command moves on
    await log_mood(ana, 5, note="my sister Jo came round")  # the mood's note, not an answer to the question
    assert "call or message them now" not in ana.text and "Saved" in ana.text
    clock.move(minutes=20)  # past the shorter repeat's ten minutes
    await ana.send("i want to die")
    await ana.press("Not safe")
    clock.move(hours=2)
    await log_mood(ana, 5, note="nobody came today")
    assert "lonely" not in ana.text
