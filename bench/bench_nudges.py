"""Benchmark: scheduled nudges at scale (issue 20).

    python3 dev.py bench-nudges   (or: .venv/bin/python bench/bench_nudges.py [--people 100000])

Four parts, one run:
  1. One tick's query and claim (`Storage.claim_due` of IN_FLIGHT rows) in an SQLite file
     holding 100,000 people with a scheduled row each: every row due at once (the worst
     case), and 5,000 due with the rest later in the day. Target: < 50 ms.
  2. CPU per nudge (`Engine.nudge`: load, the entries it reads, the reply, the save; all
     threads of this process, `time.process_time`) for people with 0, 100 and 1,000 entries.
     Target: flat.
  3. The real bot (`python -m bot`, a separate process, as an operator starts it) on the
     100,000-person file with 5,000 prompts due in the same minute (500 people have a second
     reminder due with it), against the fake Bot API answering each call after 50 ms with
     Telegram's flood control on. Reports the drain rate (target ≥ 25 a second), the 429s
     (target 0), the closest two messages to one chat (target ≥ 1 s), the bot's CPU per
     nudge and its peak RSS (VmHWM; target < 150 MB).
  4. The floor beside it: bare python-telegram-bot sending 1,000 messages 25 at a time through
     the same AIORateLimiter to the same fake — what the library alone does at the cap.
Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.ext import AIORateLimiter, ExtBot  # noqa: E402

from bench.bench_updates import cpu_seconds  # noqa: E402
from bot.crypto import Cipher  # noqa: E402
from bot.scheduler import IN_FLIGHT  # noqa: E402
from bot.storage import Storage  # noqa: E402
from flows.dialogue.engine import Engine  # noqa: E402
from flows.lib.content import Content  # noqa: E402
from flows.registry import REGISTRY  # noqa: E402
from tests.e2e import bot_process_env  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.seed import PROMPT, moods, settings  # noqa: E402

TOKEN = "424242:bench-token"
UTC = timezone.utc
SECOND_KIND = "check_repeat"  # a second reminder due with some people's prompt


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="seconds")


class Place:
    """Where the benchmark's databases live: SQLite files in a folder, or fresh databases on
    a PostgreSQL server (each made with tests/pg.py and dropped at the end)."""

    def __init__(self, work: Path, server: str | None = None) -> None:
        self.work, self.server = work, server
        self.made: list[str] = []

    @property
    def name(self) -> str:
        return "PostgreSQL" if self.server else "SQLite"

    async def new(self, name: str, key: str) -> tuple[str | None, Path]:
        """An empty database at the current schema: (PostgreSQL URL or None, SQLite path)."""
        url = None
        if self.server:
            from tests.pg import fresh_database

            url = await fresh_database(self.server)
            self.made.append(url)
        path = self.work / f"{name}.db"
        store = await Storage.open(path, Cipher(key), url)
        await store.close()
        return url, path

    def database_url(self, url: str | None, path: Path) -> str:
        return url or f"sqlite:///{path}"

    async def drop_all(self) -> None:
        from tests.pg import drop_database

        for url in self.made:
            await drop_database(url)


def people_rows(key: str, people: int, due: list[datetime], second: int = 0, entries: int = 0,
                first_id: int = 1) -> dict[str, list[tuple]]:
    """`people` onboarded people, person i with a prompt due at due[i] (and the first
    `second` of them a second reminder then, written right after it, so that the two are
    claimed together and only the one-a-second-per-chat gap keeps them apart), each with
    `entries` past moods: the rows."""
    cipher = Cipher(key)
    blob = cipher.encrypt(settings().to_dict())  # one encryption for everyone: they share settings
    now = iso(datetime.now(UTC))
    ids = range(first_id, first_id + people)
    rows = {
        "users": [(u, u, now, now, blob, entries) for u in ids],
        "scheduled": [
            row
            for i, u in enumerate(ids)
            for row in [(u, f"{PROMPT}:{due[i]:%Y-%m-%d}", PROMPT, iso(due[i]))]
            + ([(u, f"{SECOND_KIND}:phq9:{due[i]:%Y-%m-%d}", SECOND_KIND, iso(due[i]))] if i < second else [])
        ],
        "entries": [],
    }
    if entries:
        history = [(e.id, e.kind, e.at, cipher.encrypt(e.data)) for e in moods(entries, min(due))]
        rows["entries"] = [(u, i, kind, at, content) for u in ids for i, kind, at, content in history]
    return rows


COLUMNS = {
    "users": ("user_id", "chat_id", "created_at", "updated_at", "settings", "entries_made"),
    "scheduled": ("user_id", "key", "kind", "due_at"),
    "entries": ("user_id", "id", "kind", "at", "content"),
}


async def bulk_people(url: str | None, path: Path, key: str, people: int, due: list[datetime], **options) -> None:
    """Written straight into the tables (sqlite3 in one transaction; PostgreSQL's COPY):
    onboarding each person through the engine would take hours."""
    rows = people_rows(key, people, due, **options)
    if url:
        import asyncpg

        connection = await asyncpg.connect(url)
        try:
            for table, columns in COLUMNS.items():
                if rows[table]:
                    await connection.copy_records_to_table(table, records=rows[table], columns=columns)
            await connection.execute("ANALYZE")
        finally:
            await connection.close()
        return
    db = sqlite3.connect(path)
    with db:
        for table, columns in COLUMNS.items():
            db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows[table])
    db.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


# --- 1. one tick's query and claim --------------------------------------------------------

async def time_claims(url: str | None, path: Path, key: str, now: datetime, rounds: int = 30) -> list[float]:
    store = await Storage.open(path, Cipher(key), url)
    try:
        await store.claim_due(now, IN_FLIGHT)  # warm the page cache, as a running bot's is
        times = []
        for _ in range(rounds):
            began = time.perf_counter()
            await store.claim_due(now, IN_FLIGHT)
            times.append((time.perf_counter() - began) * 1000)
        return times
    finally:
        await store.close()


async def claims(people: int, place: Place) -> dict:
    key = Fernet.generate_key().decode()
    now = datetime.now(UTC).replace(microsecond=0)
    results = {}
    for name, due in (
        ("all due at once", [now - timedelta(minutes=1)] * people),
        ("5,000 due, the rest later today", [now - timedelta(minutes=1)] * 5000 + [now + timedelta(hours=1)] * (people - 5000)),
    ):
        url, path = await place.new(f"claims-{len(results)}", key)
        await bulk_people(url, path, key, people, due)
        results[name] = await time_claims(url, path, key, now)
    return results


# --- 2. CPU per nudge by history -------------------------------------------------------------

async def cpu_per_nudge(place: Place, sizes: tuple[int, ...] = (0, 100, 1000), each: int = 100,
                        warm_up: int = 20) -> dict[int, list[float]]:
    key = Fernet.generate_key().decode()
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    url, path = await place.new("history", key)
    groups = [(0, warm_up), *((size, each) for size in sizes)]  # the first group is not measured
    first_ids, next_id = [], 1
    for size, count in groups:
        await bulk_people(url, path, key, count, [due] * count, entries=size, first_id=next_id)
        first_ids.append(next_id)
        next_id += count
    store = await Storage.open(path, Cipher(key), url)
    engine = Engine(store, Content(), REGISTRY)

    async def deliver(replies) -> bool:
        return True

    async def nudge(user_id: int) -> float:
        row = claimed[user_id]
        began = time.process_time()
        replies = await engine.nudge(row.user_id, row.chat_id, row.due, deliver)
        spent = (time.process_time() - began) * 1000
        assert replies, "a prompt was expected"
        return spent

    try:
        claimed = {c.user_id: c for c in await store.claim_due(datetime.now(UTC), next_id)}
        for user_id in range(first_ids[0], first_ids[0] + warm_up):  # first-use costs: templates, code paths
            await nudge(user_id)
        results: dict[int, list[float]] = {size: [] for size in sizes}
        for i in range(each):  # interleaved, so that a busy moment on the machine falls on every size alike
            for n, size in enumerate(sizes):
                results[size].append(await nudge(first_ids[n + 1] + i))
        return results
    finally:
        await store.close()


# --- 3. the real bot draining through the fake Bot API ---------------------------------------

def wait_for_the_drain(fake: FakeTelegram, prompts: int, quiet: float = 10.0) -> None:
    """Until every prompt is sent, or none has been for `quiet` seconds (one was lost)."""
    last, since = -1, time.monotonic()
    while (count := fake.count("sendMessage")) < prompts:
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since > quiet:
            return
        time.sleep(1.0)  # a look costs the fake's thread time: not too often


def rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def drain(people: int, prompts: int, latency: float, place: Place) -> dict:
    key = Fernet.generate_key().decode()
    now = datetime.now(UTC).replace(microsecond=0)
    seconds_people = prompts // 10  # a tenth of the prompts are a second reminder to the same person
    due_people = prompts - seconds_people
    due = [now - timedelta(seconds=30)] * due_people + [now + timedelta(hours=2)] * (people - due_people)
    url, path = await place.new("drain", key)
    await bulk_people(url, path, key, people, due, second=seconds_people)
    with FakeTelegram(token=TOKEN, latency=latency, flood_control=True) as fake:
        for chat in range(1, due_people + 1):
            fake.add_private_chat(chat)
        env = bot_process_env(TOKEN, fake.base_url, place.database_url(url, path), key)
        process = subprocess.Popen([sys.executable, "-m", "bot"], env=env, cwd=place.work)
        try:
            fake.wait_for(lambda: fake.count("sendMessage") >= 1, timeout=120, what="the first prompt")
            cpu_start = cpu_seconds(process.pid)
            wait_for_the_drain(fake, prompts)
            cpu = cpu_seconds(process.pid) - cpu_start
            rss = rss_peak_mb(process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        sent = [r for r in fake.requests("sendMessage") if r["status"] == 200]
        times = sorted(r["at"] for r in sent)
        return {
            "prompts": len(sent),
            "seconds": times[-1] - times[0],
            "rate": (len(times) - 1) / (times[-1] - times[0]),
            "refusals": fake.flood_refusals(),
            "closest": fake.closest_sends(),
            "cpu_ms": cpu / max(1, len(sent) - 1) * 1000,
            "rss_mb": rss,
            "errors": len(fake.unexpected_errors()),
        }


# --- 4. the floor: the library alone at the cap ------------------------------------------------

async def floor(messages: int, latency: float) -> dict:
    with FakeTelegram(token=TOKEN, latency=latency, flood_control=True) as fake:
        for chat in range(1, messages + 1):
            fake.add_private_chat(chat)
        bot = ExtBot(TOKEN, base_url=f"{fake.base_url}", rate_limiter=AIORateLimiter(max_retries=3))
        async with bot:
            gate = asyncio.Semaphore(IN_FLIGHT)

            async def one(chat: int) -> None:
                async with gate:
                    await bot.send_message(chat, "Time for your daily check-in.")

            outcomes = await asyncio.gather(*(one(chat) for chat in range(1, messages + 1)), return_exceptions=True)
        times = sorted(r["at"] for r in fake.requests("sendMessage") if r["status"] == 200)
        return {"rate": (len(times) - 1) / (times[-1] - times[0]), "refusals": fake.flood_refusals(),
                "lost": sum(isinstance(o, Exception) for o in outcomes)}


def report(place: Place, args: argparse.Namespace) -> None:
    """Parts 1 to 3 on one database."""
    print(f"\n== {place.name} ==")
    print(f"1. One tick's query and claim of {IN_FLIGHT} rows, {args.people:,} people with a row each (target < 50 ms)")
    for name, times in asyncio.run(claims(args.people, place)).items():
        print(f"   {name:<34} median {statistics.median(times):6.2f} ms   worst {max(times):6.2f} ms")

    print("2. CPU per nudge (load, the entries it reads, the prompt, the save), by history (target: flat)")
    by_size = asyncio.run(cpu_per_nudge(place))
    for size, times in by_size.items():
        print(f"   {size:>5} entries   mean {statistics.mean(times):5.2f} ms   p95 {percentile(times, 0.95):5.2f} ms")
    ratio = statistics.mean(by_size[1000]) / statistics.mean(by_size[0])
    print(f"   1,000 entries / none: {ratio:.2f}")

    print(f"3. The bot (python -m bot) draining {args.prompts:,} prompts due in one minute, {args.people:,} people "
          f"in {place.name}, fake Bot API at {args.latency * 1000:.0f} ms a call with flood control")
    result = asyncio.run(drain(args.people, args.prompts, args.latency, place))
    print(f"   sent {result['prompts']:,} in {result['seconds']:.1f} s: {result['rate']:.1f} a second (target ≥ 25)")
    print(f"   429s: {result['refusals']} (target 0)   closest two to one chat: {result['closest']:.2f} s (target ≥ 1)")
    print(f"   bot CPU per nudge: {result['cpu_ms']:.2f} ms   bot peak RSS: {result['rss_mb']:.0f} MB (target < 150)")
    print(f"   errors from the fake other than 429s: {result['errors']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--prompts", type=int, default=5_000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake takes to answer each call")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"),
                        help="a PostgreSQL server's URL (default: TEST_DATABASE_URL): parts 1-3 run there too")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="run parts 1-3 on one database only")
    args = parser.parse_args()
    shown = {k: v for k, v in vars(args).items() if k != "postgres" and v != parser.get_default(k)}
    command = "python3 dev.py bench-nudges" + "".join(f" --{name} {value}" for name, value in shown.items())
    print(f"{command}   ({datetime.now(UTC):%Y-%m-%d}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"SQLite {sqlite3.sqlite_version}{', PostgreSQL from TEST_DATABASE_URL' if args.postgres else ''})")
    assert Bot  # the floor uses ExtBot, the class Application gives our bot
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        places = [Place(work)] if args.only != "postgresql" else []
        if args.postgres and args.only != "sqlite":
            places.append(Place(work, args.postgres))
        elif args.only != "sqlite":
            print("(PostgreSQL not measured: set TEST_DATABASE_URL, e.g. from `bash .ci/postgres start`)")
        for place in places:
            try:
                report(place, args)
            finally:
                asyncio.run(place.drop_all())

        print(f"\n4. Floor: bare python-telegram-bot, 1,000 messages {IN_FLIGHT} at a time through AIORateLimiter, same fake")
        base = asyncio.run(floor(1000, args.latency))
        print(f"   {base['rate']:.1f} a second, 429s: {base['refusals']}, messages lost after 3 retries: {base['lost']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
