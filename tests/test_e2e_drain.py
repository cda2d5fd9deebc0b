"""The drain through Telegram (issue 20): the real bot, its own tick on the real clock, the
fake Bot API. Two quick restarts while prompts go out send nothing twice and lose nothing;
someone who blocked the bot in the middle of a drain is marked, and the drain goes on."""

from __future__ import annotations

import asyncio

from tests.e2e import running_bot
from tests.pg import both_databases  # noqa: F401 (each test runs on SQLite and PostgreSQL)
from tests.seed import prompts_due_a_minute_ago

PEOPLE = 60
FIRST_CHAT = 5001


async def seed(config, count: int = PEOPLE) -> list[int]:
    """People whose daily check-in prompt fell due a minute ago."""
    chats = list(range(FIRST_CHAT, FIRST_CHAT + count))
    return await prompts_due_a_minute_ago(config.database_path, config.encryption_key, config.postgres_url, chats)


def prompts(fake, chat: int) -> int:
    return sum("check-in" in (m.text or "") for m in fake.messages(chat))


def reached(fake, chats: list[int]) -> int:
    return sum(1 for chat in chats if prompts(fake, chat))


async def test_two_quick_restarts_during_a_drain_send_nothing_twice_and_lose_nothing(fake, config, content):
    for chat in range(FIRST_CHAT, FIRST_CHAT + PEOPLE):
        fake.add_private_chat(chat)
    chats = await seed(config)
    for stop_after in (8, 25):  # stopped (as a deploy stops it) while the drain is under way
        async with running_bot(fake, config, content):
            await fake.await_for(lambda: reached(fake, chats) >= stop_after, timeout=20, what=f"{stop_after} prompts")
        assert reached(fake, chats) < PEOPLE  # it really was stopped part way
    async with running_bot(fake, config, content):
        await fake.await_for(lambda: reached(fake, chats) == PEOPLE, timeout=20, what="every prompt")
        await asyncio.sleep(0.5)  # anything sent twice would arrive by now
    assert [prompts(fake, chat) for chat in chats] == [1] * PEOPLE


async def test_someone_who_blocked_the_bot_mid_drain_is_marked_and_the_rest_still_get_theirs(fake, config, content):
    for chat in range(FIRST_CHAT, FIRST_CHAT + 20):
        fake.add_private_chat(chat)
    chats = await seed(config, 20)
    blocked = chats[9]
    fake.inject_error("sendMessage", status=403, chat_id=blocked)
    async with running_bot(fake, config, content) as bot:
        others = [chat for chat in chats if chat != blocked]
        await fake.await_for(lambda: reached(fake, others) == len(others), timeout=20, what="the others' prompts")
        assert prompts(fake, blocked) == 0
        storage = bot.telegram_bot.storage
        for _ in range(200):  # the 403's answer may still be on its way back
            if await storage.is_active(blocked) is False:
                break
            await asyncio.sleep(0.05)
        assert await storage.is_active(blocked) is False
        statuses = [r["status"] for r in await bot.telegram_bot.storage.scheduled(blocked)]
        assert statuses[0] == "sent"  # claimed once, never tried again
