"""Benchmark: what our bot costs per update against a bare PTB echo bot, on the same fake Bot API.

    python3 dev.py bench      (or: .venv/bin/python bench/bench_updates.py [--seconds 20])

Both bots run as separate processes, started the way an operator starts them, each against
its own in-process fake Bot API (tests/fake_telegram.py), with the same
AIORateLimiter(max_retries=3) and concurrent_updates(64). 100 chats send updates at a
steady rate, in rounds of one update per chat. The two bots run side by side, their updates
interleaved (the echo's, then ours half an interval later), so that whatever else a shared
machine does weighs on both figures of a ratio alike. Two loads:

  - /help at 25 updates a second: every update is "/help".
  - a thought-record step at 12 updates a second: every update is a typed answer that moves a
    /thought record on by one step (screened, routed, the encrypted flow state written). The
    warm-up starts the full record in each chat (/thought, a tap on the full version) and
    staggers the chats, chat n answering n mod 11 steps, so every round holds every step
    alike. Each chat then answers its steps in order (ANSWERS); a record that has ended is
    started again between rounds, outside the measured time. The echo bot gets the same texts.
    Why 12 a second: a step's reply is about two requests through the rate limiter (the
    answered question's keyboard is closed, the next question is sent), and 25 a second
    would be 50 requests a second, beyond the limiter's 30/s: we would measure its queue.

For each load and bot it reports:
  - CPU time per update: the bot process's CPU seconds (user + system, every thread, from
    /proc) during the measured rounds, divided by the updates in them. The echo bot pays for
    PTB, HTTP and the same AIORateLimiter; the ratio is what our engine, storage and
    templates add.
  - reply latency p50/p95: from the moment the update is queued at the fake server to the
    moment the last message sent in answer reaches the server (a step may send two or three).
It checks that every measured update got its reply, that the fakes answered no error, that
neither bot logged one, and that each of our records stands on the step its answers lead to.
Targets (issue 20): CPU ours/echo at most 1.25 for /help and 2.0 for a step; p95 at most
10 ms above the echo's. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import bisect
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402

from tests.e2e import bot_process_env  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402

TOKEN = "424242:bench-token"
CHATS = 100
HELP_RATE = 25.0  # updates per second, below the limiter's 30 requests a second
STEP_RATE = 12.0  # a step is about two requests through the limiter (see the docstring)
WARM_UP_RATE = 25.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SETTLE = 0.3  # seconds with no new message before the replies count as all in
P95_MARGIN_MS = 10.0
FULL = "full"  # the thought record's full version (its mode button's value)

# The full thought record answered by typing: (the step the words answer, the words). Each
# moves the record on by one step; the last ends it. Each chat's thought is its own ({chat}),
# as people's are: nothing learnt from one person's thought serves another's.
ANSWERS = (
    ("situation", "My manager moved our one-to-one to Friday without saying why"),
    ("emotions", "anxious"),
    ("intensity", "70"),
    ("thought", "My boss is going to fire me, thought number {chat}"),
    ("belief", "80"),
    ("traps", "not sure"),
    ("evidence_for", "Two people were let go last month and nobody warned them"),
    ("evidence_against", "She moves meetings all the time and praised my report last week"),
    ("balanced", "Meetings move for lots of reasons; I can ask her on Friday how things look"),
    ("belief_after", "40"),
    ("intensity_after", "30"),
)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


# ------------------------------------------------------------------------------- bots


@dataclass
class Bot:
    """One bot process and its own fake Bot API."""

    name: str
    ours: bool
    fake: FakeTelegram
    process: subprocess.Popen
    data_dir: Path
    sent: dict[int, list[tuple[float, bool]]] = field(default_factory=dict)  # chat -> (time, measured)

    @property
    def log(self) -> Path:
        return self.data_dir / "bot.log"

    @property
    def database(self) -> Path:
        return self.data_dir / "bench.db"

    def send(self, chat: int, text: str, measured: bool = False) -> None:
        self.sent.setdefault(chat, []).append((time.time(), measured))
        self.fake.send_text(chat, text)

    def press(self, chat: int, value: str) -> None:
        """Tap the button whose data ends in `value` on the chat's last message."""
        message = self.fake.last_message(chat)
        data = next(d for row in message.buttons for _, d in row if d and d.endswith(f":{value}"))
        self.sent.setdefault(chat, []).append((time.time(), False))
        self.fake.press(chat, message.message_id, callback_data=data)

    def messages_sent(self) -> int:
        return len(self.fake.requests("sendMessage"))

    def wait_for_messages(self, count: int, what: str, timeout: float = 120) -> None:
        """Until at least `count` messages were sent and no more came for SETTLE seconds."""
        deadline, seen, since = time.monotonic() + timeout, -1, time.monotonic()
        while True:
            now_seen = self.messages_sent()
            if now_seen != seen:
                seen, since = now_seen, time.monotonic()
            elif seen >= count and time.monotonic() - since >= SETTLE:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: timed out waiting for {what} ({seen} of {count} messages)")
            time.sleep(0.05)

    def paced(self, chats: list[int], send: Callable[[int], None], rate: float, what: str) -> None:
        """One update from each of `chats` at `rate`, then wait for a reply to each."""
        before, began = self.messages_sent(), time.monotonic()
        for n, chat in enumerate(chats):
            pause = began + n / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            send(chat)
        self.wait_for_messages(before + len(chats), what)


def start(name: str, command: list[str], data_dir: Path, ours: bool) -> Bot:
    fake = FakeTelegram(token=TOKEN).start()
    for chat in range(1, CHATS + 1):
        fake.add_private_chat(chat)
    env = bot_process_env(TOKEN, fake.base_url, f"sqlite:///{data_dir}/bench.db", Fernet.generate_key().decode())
    with (data_dir / "bot.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=data_dir, stdout=log, stderr=subprocess.STDOUT)
    fake.wait_for(lambda: fake.pending_polls, timeout=60, what=f"{name} to start polling")
    return Bot(name, ours, fake, process, data_dir)


def stop(bot: Bot) -> None:
    bot.process.send_signal(signal.SIGTERM)
    bot.process.wait(timeout=30)
    bot.fake.stop()


# ------------------------------------------------------------------------------ loads


class HelpLoad:
    name, rate, target = "/help", HELP_RATE, 1.25

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def warm_up(self) -> None:
        """Every chat once, so first-contact costs (a new user row) are not measured."""
        self.bot.paced(chats(), lambda chat: self.bot.send(chat, "/help"), WARM_UP_RATE, "the warm-up")

    def between_rounds(self) -> None:
        pass

    def text(self, chat: int) -> str:
        return "/help"

    def problems(self) -> list[str]:
        return []


class StepLoad:
    name, rate, target = "thought-record step", STEP_RATE, 2.0

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.answered = {chat: 0 for chat in chats()}  # chat -> how many of ANSWERS its record has had

    def warm_up(self) -> None:
        """Start a record in every chat, then stagger them: chat n answers n mod 11 steps."""
        self.start(chats())
        for wave in range(len(ANSWERS) - 1):
            behind = [chat for chat in chats() if chat % len(ANSWERS) > wave]
            self.bot.paced(behind, lambda chat: self.bot.send(chat, self.text(chat)), WARM_UP_RATE, "the staggering")

    def start(self, started: list[int]) -> None:
        """/thought and the full version (the echo bot, with no buttons, gets /thought)."""
        self.bot.paced(started, lambda chat: self.bot.send(chat, "/thought"), WARM_UP_RATE, "/thought")
        if self.bot.ours:
            self.bot.paced(started, lambda chat: self.bot.press(chat, FULL), WARM_UP_RATE, "the full version")
        for chat in started:
            self.answered[chat] = 0

    def between_rounds(self) -> None:
        ended = [chat for chat, answered in self.answered.items() if answered == len(ANSWERS)]
        if ended:
            self.start(ended)

    def text(self, chat: int) -> str:
        _, words = ANSWERS[self.answered[chat]]
        self.answered[chat] += 1
        return words.format(chat=chat)

    def problems(self) -> list[str]:
        """Each of our records stands on the step its answers lead to (read from the columns
        storage keeps in the clear): every answer was a real step."""
        if not self.bot.ours:
            return []
        with closing(sqlite3.connect(self.bot.database)) as db:
            reached = dict(db.execute("SELECT user_id, step FROM flow_state WHERE flow = 'thought'").fetchall())
        wrong = []
        for chat, answered in self.answered.items():
            expected = ANSWERS[answered][0] if answered < len(ANSWERS) else None
            if reached.get(chat) != expected:
                wrong.append(f"chat {chat} is on {reached.get(chat)!r}, not {expected!r}")
        return [f"{len(wrong)} thought records are not where their answers lead: {wrong[:3]}"] if wrong else []


Load = HelpLoad | StepLoad


def chats() -> list[int]:
    return list(range(1, CHATS + 1))


def run_loads(loads: list[Load], seconds: float) -> list[dict]:
    """Warm up, then rounds of one update per chat, each bot at the load's rate and the bots'
    updates interleaved, so that whatever else the machine does weighs on them alike.
    Returns each bot's figures."""
    rate, total = loads[0].rate, int(seconds * loads[0].rate)
    for load in loads:
        load.warm_up()
        load.bot.sent.clear()  # only measured updates and what comes between them count from here
    cpu, done = [0.0] * len(loads), 0
    while done < total:
        if done:
            for load in loads:
                load.between_rounds()
        count = min(CHATS, total - done)
        before = [(load.bot.messages_sent(), cpu_seconds(load.bot.process.pid)) for load in loads]
        began = time.monotonic()
        for n, chat in enumerate(chats()[:count]):
            for k, load in enumerate(loads):
                pause = began + (n + k / len(loads)) / rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                load.bot.send(chat, load.text(chat), measured=True)
        for k, (load, (messages, cpu_start)) in enumerate(zip(loads, before)):
            load.bot.wait_for_messages(messages + count, "every reply")
            cpu[k] += cpu_seconds(load.bot.process.pid) - cpu_start
        done += count
    return [figures(load, total, used) for load, used in zip(loads, cpu)]


def figures(load: Load, updates: int, cpu: float) -> dict:
    latencies, missing = reply_latencies(load.bot)
    load.bot.sent.clear()
    return {
        "load": load.name,
        "rate": load.rate,
        "bot": load.bot.name,
        "updates": updates,
        "missing": missing,
        "cpu_ms_per_update": cpu / updates * 1000,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p95_ms": percentile(latencies, 0.95) * 1000 if latencies else float("nan"),
        "problems": load.problems(),
    }


def reply_latencies(bot: Bot) -> tuple[list[float], int]:
    """For each measured update: the time to the last message sent to its chat before the
    chat's next update. Returns the latencies and how many measured updates got no reply."""
    replies: dict[int, list[float]] = {}
    for request in bot.fake.requests("sendMessage"):
        if request["status"] == 200:
            replies.setdefault(int(request["params"]["chat_id"]), []).append(request["at"])
    latencies, missing = [], 0
    for chat, sends in bot.sent.items():
        times = sorted(replies.get(chat, []))
        for index, (sent_at, measured) in enumerate(sends):
            if not measured:
                continue
            until = sends[index + 1][0] if index + 1 < len(sends) else float("inf")
            inside = times[bisect.bisect_left(times, sent_at) : bisect.bisect_left(times, until)]
            if inside:
                latencies.append(inside[-1] - sent_at)
            else:
                missing += 1
    return sorted(latencies), missing


def percentile(values: list[float], share: float) -> float:
    return values[max(0, int(len(values) * share) - 1)]


# ----------------------------------------------------------------------------- report


def problems(bot: Bot, results: list[dict]) -> list[str]:
    found = [f"{bot.name}, {r['load']}: {r['missing']} updates got no reply" for r in results if r["missing"]]
    found += [f"{bot.name}, {r['load']}: {p}" for r in results for p in r["problems"]]
    errors = bot.fake.unexpected_errors()
    if errors:
        found.append(f"{bot.name}: the fake answered {len(errors)} errors, e.g. {errors[0]['response']}")
    logged = [line for line in bot.log.read_text(errors="replace").splitlines() if "ERROR" in line or "Traceback" in line]
    if logged:
        found.append(f"{bot.name} logged errors: {logged[:3]}")
    return found


def report(results: list[dict], seconds: float) -> None:
    print(f"CBT Companion against a bare PTB echo bot: {CHATS} chats, {seconds:.0f} s per load and bot "
          f"({date.today()}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    print(f"{'load':<31}{'bot':<22}{'updates':>8}{'CPU ms/update':>15}{'p50 ms':>9}{'p95 ms':>9}")
    for r in results:
        load = f"{r['load']} at {r['rate']:.0f}/s"
        print(f"{load:<31}{r['bot']:<22}{r['updates']:>8}{r['cpu_ms_per_update']:>15.2f}"
              f"{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}")
    for kind in (HelpLoad, StepLoad):
        echo, ours = (r for r in results if r["load"] == kind.name)
        ratio = ours["cpu_ms_per_update"] / echo["cpu_ms_per_update"]
        extra = ours["p95_ms"] - echo["p95_ms"]
        print(f"{kind.name}: CPU ours/echo {ratio:.2f} (target at most {kind.target:.2f}: "
              f"{'met' if ratio <= kind.target else 'MISSED'}); p95 ours - echo {extra:+.1f} ms "
              f"(target at most {P95_MARGIN_MS:.0f} ms: {'met' if extra <= P95_MARGIN_MS else 'MISSED'})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each steady load per bot")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as echo_dir, tempfile.TemporaryDirectory() as our_dir:
        # Ours first: its start-up (content, the risk screen) must not weigh on the echo's warm-up.
        ours = start("CBT Companion", [sys.executable, "-m", "bot"], Path(our_dir), True)
        echo = start("echo bot (bare PTB)", [sys.executable, str(ROOT / "bench" / "echo_bot.py")], Path(echo_dir), False)
        bots, results = [echo, ours], []
        try:
            for kind in (HelpLoad, StepLoad):
                results += run_loads([kind(bot) for bot in bots], args.seconds)
        except BaseException:
            for bot in bots:
                print(f"--- the end of {bot.name}'s log:", *bot.log.read_text(errors="replace").splitlines()[-20:], sep="\n")
            raise
        finally:
            for bot in bots:
                stop(bot)
        found = [p for bot in bots for p in problems(bot, [r for r in results if r["bot"] == bot.name])]
    report(results, args.seconds)
    print("command: python3 dev.py bench" + "".join(f" {a}" for a in sys.argv[1:]))
    for problem in found:
        print(f"PROBLEM: {problem}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
