"""What holds for every practice: /crisis in the middle keeps it, a disclosure at any step
gets the risk response, it resumes after a restart, and /cancel leaves nothing saved."""

from __future__ import annotations

import pytest

from tests.conftest import Chat, set_up

# (command, a first answer that takes it past its first question, or None)
PRACTICES = [
    ("/mood", ("press", "5")),
    ("/thought", ("press", "Full record")),
    ("/checkin", ("press", "4")),
    ("/plan", None),
    ("/solve", ("send", "I'm behind on two bills")),
]


async def start(chat: Chat, command: str, first) -> None:
    await chat.send(command)
    if first:
        how, what = first
        await (chat.press(what) if how == "press" else chat.send(what))


@pytest.mark.parametrize("command, first", PRACTICES, ids=[p[0] for p in PRACTICES])
async def test_crisis_in_the_middle_keeps_the_practice(chat: Chat, command, first):
    await set_up(chat)
    await start(chat, command, first)
    question = chat.replies[-1].text
    await chat.send("/crisis")
    assert "116 123" in chat.text  # Samaritans, for the United Kingdom
    assert chat.replies[-1].text == question  # and the question they were on, again


@pytest.mark.parametrize("command, first", PRACTICES, ids=[p[0] for p in PRACTICES])
async def test_a_disclosure_at_a_step_gets_the_risk_response(chat: Chat, command, first):
    await set_up(chat)
    await start(chat, command, first)
    await chat.send("honestly i want to kill myself")
    assert "Are you safe right now?" in chat.text and "116 123" in chat.text
    assert "kill myself" not in chat.text  # their words are not quoted back


@pytest.mark.parametrize("command, first", PRACTICES, ids=[p[0] for p in PRACTICES])
async def test_it_resumes_after_a_restart(chat: Chat, engine_factory, command, first):
    await set_up(chat)
    await start(chat, command, first)
    question = chat.replies[-1].text
    restarted = engine_factory()  # a new process, the same database
    assert [r.text for r in await restarted.current_prompt(chat.user_id, chat.user_id)] == [question]


@pytest.mark.parametrize("command, first", PRACTICES, ids=[p[0] for p in PRACTICES])
async def test_cancel_leaves_nothing_half_saved(chat: Chat, storage, command, first):
    await set_up(chat)
    await start(chat, command, first)
    await chat.send("/cancel")
    assert await storage.history(chat.user_id) == []
    assert await storage.scheduled(chat.user_id) == []
