"""Benchmark: /help through our bot against a bare PTB echo bot, on the same fake Bot API.

    python3 dev.py bench      (or: .venv/bin/python bench/bench_help.py [--seconds 20])

For each bot (a separate process, started the way an operator starts it) it sends "/help"
from 100 chats at a steady 25 updates a second — below the rate limiter's 30/s cap, so
we measure our code, not the cap — and reports:
  - CPU time per update: the bot process's CPU seconds (user + system, from /proc) during
    the load, divided by the updates it answered. The echo bot pays for PTB, HTTP and the
    same AIORateLimiter; the ratio is what our engine, storage and templates add.
  - reply latency p50/p95: from the moment the update is queued at the fake server to the
    moment the bot's sendMessage reaches it.
Target: our CPU per update at most 2x the echo bot's. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402

from tests.fake_telegram import FakeTelegram  # noqa: E402

TOKEN = "424242:bench-token"
CHATS = 100
RATE = 25.0  # updates per second
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def start(command: list[str], fake: FakeTelegram, data_dir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.base_url,
        "DATABASE_URL": f"sqlite:///{data_dir}/bench.db",
        "DATA_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(command, env=env, cwd=data_dir)
    fake.wait_for(lambda: fake.pending_polls, timeout=30, what="the bot to start polling")
    return process


def run_load(name: str, command: list[str], fake: FakeTelegram, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as data_dir:
        process = start(command, fake, Path(data_dir))
        try:
            # Warm up: every chat once, so first-contact costs (a new user row) are not measured.
            for chat in range(CHATS):
                fake.send_text(chat + 1, "/help")
            fake.wait_for(lambda: len(fake.requests("sendMessage")) >= CHATS, timeout=60, what="warm-up")
            done_before = len(fake.requests("sendMessage"))

            total = int(seconds * RATE)
            cpu_start = cpu_seconds(process.pid)
            sent_at: dict[int, list[float]] = {}
            began = time.monotonic()
            for i in range(total):
                target = began + i / RATE
                pause = target - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                chat = i % CHATS + 1
                sent_at.setdefault(chat, []).append(time.time())
                fake.send_text(chat, "/help")
            fake.wait_for(
                lambda: len(fake.requests("sendMessage")) >= done_before + total, timeout=120, what="all replies"
            )
            cpu = cpu_seconds(process.pid) - cpu_start
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        replies = fake.requests("sendMessage")[done_before:]
        latencies = []
        seen: dict[int, int] = {}
        for reply in replies:
            chat = int(reply["params"]["chat_id"])
            index = seen.get(chat, 0)
            seen[chat] = index + 1
            latencies.append(reply["at"] - sent_at[chat][index])
        latencies.sort()
        return {
            "name": name,
            "updates": total,
            "cpu_ms_per_update": cpu / total * 1000,
            "p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the steady load per bot")
    args = parser.parse_args()
    bots = [
        ("echo bot (bare PTB)", [sys.executable, str(ROOT / "bench" / "echo_bot.py")]),
        ("CBT Companion", [sys.executable, "-m", "bot"]),
    ]
    results = []
    for name, command in bots:
        with FakeTelegram(token=TOKEN) as fake:
            for chat in range(CHATS):
                fake.add_private_chat(chat + 1)
            results.append(run_load(name, command, fake, args.seconds))
            assert not fake.unexpected_errors(), fake.unexpected_errors()[:3]
    print(f"/help from {CHATS} chats at {RATE:.0f} updates/s for {args.seconds:.0f} s per bot "
          f"(Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    print(f"{'bot':<22}{'updates':>8}{'CPU ms/update':>15}{'p50 ms':>9}{'p95 ms':>9}")
    for r in results:
        print(f"{r['name']:<22}{r['updates']:>8}{r['cpu_ms_per_update']:>15.2f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}")
    ratio = results[1]["cpu_ms_per_update"] / results[0]["cpu_ms_per_update"]
    print(f"CPU per update, ours / echo: {ratio:.2f} (target: at most 2.00)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
