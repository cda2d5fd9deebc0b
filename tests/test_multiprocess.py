"""Several bot processes on one PostgreSQL database (issue 21): real `python -m bot` processes
in webhook mode against the fake Bot API, with this test as the load balancer in front of
them (Telegram pushes every update to one URL; the balancer passes each to one process).
Per person one update at a time, in order, across processes; an update_id that reaches both
is answered once; one scheduler leader, and another within a tick when it is killed in the
middle of a drain, or cut off from the database; nothing sent twice.

Every test needs PostgreSQL (tests/pg.py: skipped without TEST_DATABASE_URL, failed in CI).
The fake tells the processes apart: each reaches it through its own `client_url`, so every
request it logs names the process that made it. Processes take seconds to start, so the
tests that leave them running share one pair (`pair`); those that kill or cut one start
their own.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import asyncpg
import pytest
from cryptography.fernet import Fernet

from bot.crypto import Cipher
from bot.database import LEADER_LOCK
from bot.storage import Storage
from tests.e2e import TOKEN, bot_process_env
from tests.fake_telegram import FakeTelegram
from tests.pg import drop_database, fresh_database, postgres_url
from tests.seed import prompts_due_a_minute_ago

STARTS_WITHIN = 60  # seconds; as tests/test_process.py: a loaded two-core machine is slow to start a bot
TICK = 1.0  # TICK_SECONDS for these processes: a takeover in seconds, not minutes
SECRET = "multi-process-secret"
HOOK = "hook/mp21"  # WEBHOOK_URL's path, which each process serves
TYPING_GAP = 0.03  # seconds between one person's updates when they type fast
MAY_LOSE = 2  # prompts a SIGKILL may lose: marked sent, their request on its way when it died
APP = "cbt-"  # application_name prefix: pg_stat_activity names each backend's process
FIRST_CHAT = 7001  # seeded people with a prompt due


# ------------------------------------------------------------------------------ processes

@dataclass
class BotProcess:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    def post(self, update: dict) -> int:
        """POST an update to this process's webhook, as Telegram (through the balancer) would."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/{HOOK}", data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status

    def logged(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int | None:
        """SIGTERM, as a deploy stops it; its exit status (None: it had been killed)."""
        if self.process.poll() is not None:
            return None if self.process.returncode == -signal.SIGKILL else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.process.returncode


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:  # all bound at once: no two get the same port
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def start(fake: FakeTelegram, url: str, key: str, work: Path, names: tuple[str, ...] = ("a", "b")) -> list[BotProcess]:
    """Bot processes on one database, started together; each is up once it has set its
    webhook and its port accepts connections."""
    processes = []
    for name, port in zip(names, free_ports(len(names))):
        env = bot_process_env(
            TOKEN, fake.client_url(name), f"{url}?application_name={APP}{name}", key, log_level="INFO",
            WEBHOOK_URL=f"https://bot.example/{HOOK}", WEBHOOK_SECRET=SECRET, PORT=str(port), TICK_SECONDS=str(TICK),
        )
        log = work / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen([sys.executable, "-m", "bot"], env=env, cwd=work, stdout=out, stderr=out)
        processes.append(BotProcess(name, port, process, log))
    for bot in processes:
        fake.wait_for(lambda: bot.process.poll() is not None or any(
            r["client"] == bot.name for r in fake.requests("setWebhook")), timeout=STARTS_WITHIN,
            what=f"{bot.name}'s setWebhook")
        deadline = time.monotonic() + STARTS_WITHIN
        while bot.process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", bot.port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"{bot.name}'s webhook server never came up"
                time.sleep(0.05)
        assert bot.process.poll() is None, f"{bot.name} stopped at start:\n{bot.logged()}"
    return processes


def stop_all(processes: list[BotProcess]) -> None:
    """SIGTERM to each still running: each must exit cleanly, and none may log a traceback.
    Their logs are printed (pytest shows them when a test fails)."""
    codes = {bot.name: bot.stop() for bot in processes}
    for bot in processes:
        print(f"--- {bot.name}'s log\n{bot.logged()}")
    assert all(code in (0, None) for code in codes.values()), codes
    for bot in processes:
        assert "Traceback" not in bot.logged(), f"{bot.name} logged a traceback"


def closed_twice(error: dict) -> bool:
    """A keyboard closed a second time: one process closes a keyboard that the other sent and
    will close again (it cannot know), and Telegram answers "not modified", which the bot
    takes as closed. Any other error the bot causes fails the test."""
    return (error["method"] == "editMessageReplyMarkup" and error["status"] == 400
            and "not modified" in error["response"]["description"])


def bot_errors(fake: FakeTelegram) -> list[dict]:
    return [error for error in fake.unexpected_errors() if not closed_twice(error)]


# ------------------------------------------------------------------------------ the data

async def seed(url: str, key: str, work: Path, count: int) -> list[int]:
    """People whose daily check-in prompt fell due a minute ago, written into the database."""
    return await prompts_due_a_minute_ago(work / "unused.db", key, url, list(range(FIRST_CHAT, FIRST_CHAT + count)))


def prompt_sends(fake: FakeTelegram, chats: list[int]) -> list[dict]:
    """The check-in prompts sent to the seeded people (a reply to someone else may speak of
    their check-in too)."""
    wanted = set(chats)
    return [r for r in fake.requests("sendMessage") if r["status"] == 200 and int(r["params"]["chat_id"]) in wanted
            and "check-in" in r["response"]["result"].get("text", "")]


def prompts_per_chat(fake: FakeTelegram, chats: list[int]) -> dict[int, int]:
    counts = dict.fromkeys(chats, 0)
    for r in prompt_sends(fake, chats):
        counts[int(r["params"]["chat_id"])] += 1
    return counts


async def leaders(url: str) -> dict[str, int]:
    """The processes (a, b) whose connection holds the scheduler's lock, from pg_locks, with
    the backend pid of that connection. This database's lock only: tests running beside
    these on the same server hold the same lock in theirs."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT a.application_name, l.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
            " WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.granted"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            *LEADER_LOCK,
        )
    finally:
        await connection.close()
    return {name.removeprefix(APP): pid for name, pid in rows}


async def statuses(url: str, chats: list[int]) -> dict[int, str]:
    """Each seeded prompt's row status (the next day's prompt, scheduled as one goes, is not due)."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT user_id, status FROM scheduled WHERE user_id = ANY($1::bigint[]) AND due_at <= $2",
            chats, datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
    finally:
        await connection.close()
    return {user_id: status for user_id, status in rows}


# ------------------------------------------------------------------------------ fixtures

@dataclass
class Pair:
    fake: FakeTelegram
    url: str
    key: str
    work: Path
    a: BotProcess
    b: BotProcess
    chats: list[int]  # people seeded with a prompt due before the processes started


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Two processes on one database where 30 people had a prompt due when they started."""
    server = postgres_url()
    key, work = Fernet.generate_key().decode(), tmp_path_factory.mktemp("pair")
    url = asyncio.run(fresh_database(server))
    try:
        with FakeTelegram(token=TOKEN) as fake:
            chats = asyncio.run(seed(url, key, work, 30))
            for chat in chats:
                fake.add_private_chat(chat)
            processes = start(fake, url, key, work)
            try:
                yield Pair(fake, url, key, work, *processes, chats)
            finally:
                stop_all(processes)
            assert bot_errors(fake) == []
    finally:
        asyncio.run(drop_database(url))


@pytest.fixture
def fake():
    """tests/conftest.py's fake, but for a keyboard closed twice (closed_twice)."""
    with FakeTelegram(token=TOKEN) as server:
        yield server
        assert bot_errors(server) == []


@pytest.fixture
async def database():
    url = await fresh_database(postgres_url())
    try:
        yield url
    finally:
        await drop_database(url)


@pytest.fixture
def seeded(fake, database, key, tmp_path):
    """`await seeded(count)`: that many people with a prompt due, then processes a and b
    started; stopped (those not killed) at the end."""
    started: list[BotProcess] = []

    async def run(count: int) -> tuple[list[int], dict[str, BotProcess]]:
        chats = await seed(database, key, tmp_path, count)
        for chat in chats:
            fake.add_private_chat(chat)
        started.extend(start(fake, database, key, tmp_path))
        return chats, {bot.name: bot for bot in started}

    yield run
    stop_all(started)


# ------------------------------------------------------------------------------ start-up

async def test_processes_starting_at_once_on_a_new_database_all_open_it(key, tmp_path):
    """Each reads the schema's version and migrates it at start-up; PostgreSQL refuses two
    CREATE TABLE IF NOT EXISTS of one table at the same moment, so they take turns."""
    for _ in range(5):
        url = await fresh_database(postgres_url())
        try:
            stores = await asyncio.gather(*(Storage.open(tmp_path / "unused.db", Cipher(key), url) for _ in range(3)))
            for store in stores:
                await store.close()
        finally:
            await drop_database(url)


# ------------------------------------------------------------------------------ a leader lost

async def test_the_leader_killed_mid_drain_another_takes_over_within_a_tick_and_nothing_goes_twice(
        fake, seeded, database):
    people = 80
    chats, processes = await seeded(people)
    await fake.await_for(lambda: sum(prompts_per_chat(fake, chats).values()) >= 20, timeout=20, what="20 prompts")
    ((leading, _),) = (await leaders(database)).items()
    dying = processes[leading]
    (survivor,) = [bot for bot in processes.values() if bot is not dying]
    dying.kill()
    killed_at = time.time()
    before = prompts_per_chat(fake, chats)
    assert {r["client"] for r in prompt_sends(fake, chats)} == {dying.name}  # the other sent nothing until then
    reached_before = sum(1 for n in before.values() if n)
    assert reached_before < people, "the drain was over before the kill"
    # Marked sent, their request on its way: what the kill may lose.
    on_the_way = {chat for chat, status in (await statuses(database, chats)).items()
                  if status == "sent" and not before[chat]}
    assert len(on_the_way) <= MAY_LOSE, on_the_way
    await fake.await_for(lambda: all(n or chat in on_the_way for chat, n in prompts_per_chat(fake, chats).items()),
                         timeout=30, what="every prompt not on its way at the kill")
    after = [r for r in prompt_sends(fake, chats) if r["at"] > killed_at]
    takeover = min(r["at"] for r in after) - killed_at
    await asyncio.sleep(2 * TICK)  # anything sent twice would arrive by now
    counts = prompts_per_chat(fake, chats)
    lost = [chat for chat, n in counts.items() if n == 0]
    twice = [chat for chat, n in counts.items() if n > 1]
    print(f"killed {dying.name} after {reached_before} of {people} prompts; {survivor.name} sent its first"
          f" prompt {takeover:.2f} s after the kill; lost {len(lost)}, sent twice {len(twice)}")
    assert twice == []
    assert set(lost) <= on_the_way and len(lost) <= MAY_LOSE
    assert {r["client"] for r in after} == {survivor.name}
    assert takeover <= TICK + 1.0, f"took {takeover:.2f} s to take over"
    assert list(await leaders(database)) == [survivor.name]
    assert set((await statuses(database, chats)).values()) == {"sent"}


async def test_the_leader_cut_off_from_the_database_mid_drain_stops_and_nothing_goes_twice(
        fake, seeded, database):
    """Its process lives on, but the connection holding the lock is gone (a server restart, a
    network cut), and the lock with it. It must claim and send nothing more: the next leader
    puts what it had claimed back in the queue."""
    people = 80
    chats, processes = await seeded(people)
    await fake.await_for(lambda: sum(prompts_per_chat(fake, chats).values()) >= 20, timeout=20, what="20 prompts")
    ((leading, pid),) = (await leaders(database)).items()
    connection = await asyncpg.connect(database)
    try:
        assert await connection.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await connection.close()
    reached_before = sum(1 for n in prompts_per_chat(fake, chats).values() if n)
    assert reached_before < people, "the drain was over before the cut"
    await fake.await_for(lambda: all(prompts_per_chat(fake, chats).values()), timeout=30, what="every prompt")
    await asyncio.sleep(2 * TICK)  # anything sent twice would arrive by now
    counts = prompts_per_chat(fake, chats)
    now_leading = list(await leaders(database))
    print(f"cut {leading}'s lock connection after {reached_before} of {people} prompts; {now_leading} leads now;"
          f" sent twice {sum(1 for n in counts.values() if n > 1)}")
    assert set(counts.values()) == {1}, counts
    assert len(now_leading) == 1
    assert "no longer leads the scheduler" in processes[leading].logged()
    assert set((await statuses(database, chats)).values()) == {"sent"}


# ------------------------------------------------------------------------------ a pair running
# (these share one pair, started for the first of them)

class Balancer:
    """The load balancer: takes each update off the fake's queue (it never reaches getUpdates)
    and POSTs it to one process, the next in turn unless told which."""

    def __init__(self, fake: FakeTelegram, processes: list[BotProcess]) -> None:
        self.fake = fake
        self.processes = processes
        self.turn = 0

    def push(self, update_id: int) -> None:
        to = self.processes[self.turn % len(self.processes)]
        self.turn += 1
        assert to.post(self.fake.take_update(update_id)) == 200


def transcript(fake: FakeTelegram, chat: int) -> list[str]:
    return [m.text or m.caption or "" for m in fake.messages(chat)]


async def said(fake: FakeTelegram, chat: int, fragment: str) -> None:
    await fake.await_for(lambda: any(fragment in text for text in transcript(fake, chat)),
                         timeout=15, what=f"{fragment!r} in chat {chat}")


def button(fake: FakeTelegram, chat: int, label: str) -> int:
    for message in reversed(fake.messages(chat)):
        if any(text == label for row in message.buttons for text, _ in row):
            return message.message_id
    raise AssertionError(f"no message with a button {label!r}: {transcript(fake, chat)}")


async def test_one_person_typing_fast_across_two_processes_is_answered_in_order_and_once(pair: Pair):
    fake, chat = pair.fake, 2101
    balancer = Balancer(fake, [pair.a, pair.b])
    fake.add_private_chat(chat)
    # Onboarding, each step to the other process: each reads what the other saved.
    balancer.push(fake.send_text(chat, "/start"))
    await said(fake, chat, "Step 1 of 4")
    balancer.push(fake.press(chat, button(fake, chat, "Yes, keep them"), text="Yes, keep them"))
    await said(fake, chat, "Which country")
    before = len(fake.messages(chat))
    # Then they type fast, ~30 ms apart, alternately to a and b: the country, the check-in
    # time before its question has arrived, and other countries' crisis lines. Each is
    # known in its answer by a fragment.
    burst = [("United Kingdom", "Step 4 of 4"), ("8:30pm", "You're all set"), ("/crisis JP", "0120-279-338"),
             ("/crisis BR", "188"), ("/crisis ZA", "0800 567 567"), ("/crisis IE", "116 123"),
             ("/crisis NZ", "1737"), ("/crisis DE", "0800 111 0 111")]
    for text, _ in burst:
        balancer.push(fake.send_text(chat, text))
        time.sleep(TYPING_GAP)
    for _, fragment in burst:
        await said(fake, chat, fragment)
    replies = transcript(fake, chat)[before:]
    answers = [i for text in replies for i, (_, fragment) in enumerate(burst) if fragment in text]
    assert answers == list(range(len(burst))), f"answers by update, as they came: {answers}"
    store = await Storage.open(pair.work / "unused.db", Cipher(pair.key), pair.url)
    try:
        settings = (await store.load(chat, chat)).settings
    finally:
        await store.close()
    assert (settings.country, settings.reminder) == ("GB", "20:30")


async def test_an_update_posted_to_both_processes_is_answered_once(pair: Pair):
    fake, chat = pair.fake, 2102
    fake.add_private_chat(chat)
    update = fake.take_update(fake.send_text(chat, "/crisis JP"))
    assert pair.a.post(update) == 200 and pair.b.post(update) == 200
    await said(fake, chat, "0120-279-338")
    ignored = f"ignored repeated update {update['update_id']}"
    await fake.await_for(lambda: ignored in pair.a.logged() + pair.b.logged(), timeout=15, what="one to ignore it")
    assert sum("0120-279-338" in text for text in transcript(fake, chat)) == 1


async def test_two_processes_ticking_one_drains_and_every_prompt_arrives_once(pair: Pair):
    fake, chats = pair.fake, pair.chats
    await fake.await_for(lambda: all(prompts_per_chat(fake, chats).values()), timeout=20, what="30 prompts")
    await asyncio.sleep(2 * TICK)  # both went on ticking: a second drainer would show by now
    assert set(prompts_per_chat(fake, chats).values()) == {1}
    senders = {r["client"] for r in prompt_sends(fake, chats)}
    leading = list(await leaders(pair.url))
    assert len(senders) == 1 and leading == list(senders), (senders, leading)
    assert set((await statuses(pair.url, chats)).values()) == {"sent"}
