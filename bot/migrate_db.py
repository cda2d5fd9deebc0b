"""`python -m bot migrate-db --from URL --to URL`: copy a whole database to another, SQLite
to PostgreSQL or back. The encrypted payloads are copied as they are (no key is needed,
and none is read); the target must be empty, so nothing is ever merged or overwritten."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import ConfigError, database_path_from_url, postgres_url_from
from bot.database import Database, open_database
from bot.storage import TABLES, migrate

BATCH = 1000


class NotEmpty(Exception):
    """The target database already holds data."""


async def open_url(url: str, must_exist: bool = False) -> Database:
    path = Path(database_path_from_url(url))
    if must_exist and postgres_url_from(url) is None and not path.exists():
        raise ConfigError(f"there is no database at {path}")
    return await open_database(postgres_url_from(url), path)


async def counts(db: Database) -> dict[str, int]:
    return {table: (await db.fetchone(f"SELECT COUNT(*) FROM {table}"))[0] for table in TABLES}


async def copy(source_url: str, target_url: str) -> dict[str, int]:
    """Copy every row of every table; returns how many rows of each were copied."""
    source = await open_url(source_url, must_exist=True)
    try:
        await migrate(source)  # an older file is brought up to date first, as the bot would
        target = await open_url(target_url)
        try:
            await migrate(target)
            filled = {table: n for table, n in (await counts(target)).items() if n}
            if filled:
                raise NotEmpty(f"the target database is not empty ({', '.join(f'{t}: {n} rows' for t, n in filled.items())})")
            async with target.transaction() as tx:
                for table, columns in TABLES.items():
                    rows = await source.fetchall(f"SELECT {', '.join(columns)} FROM {table}")
                    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                    for start in range(0, len(rows), BATCH):
                        await tx.executemany(insert, [tuple(row) for row in rows[start:start + BATCH]])
                if target.dialect == "postgresql":  # the generated id goes on after the copied ones
                    await tx.execute(
                        "SELECT setval(pg_get_serial_sequence('risk_events', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM risk_events"
                    )
            copied, expected = await counts(target), await counts(source)
            if copied != expected:
                raise RuntimeError(f"the copy is incomplete: {copied} rows against {expected}")
            return copied
        finally:
            await target.close()
    finally:
        await source.close()


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot migrate-db", description=__doc__)
    parser.add_argument("--from", dest="source", required=True, help="sqlite:///data/cbt-companion.db or postgresql://...")
    parser.add_argument("--to", dest="target", required=True, help="an empty database: postgresql://... or sqlite:///...")
    args = parser.parse_args(argv)
    try:
        copied = asyncio.run(copy(args.source, args.target))
    except (ConfigError, NotEmpty) as error:
        print(f"cbt-companion: {error}", file=sys.stderr)
        return 2
    print("Copied: " + ", ".join(f"{table} {n}" for table, n in copied.items()))
    print("Keep DATA_ENCRYPTION_KEY as it is: the copy opens with the same key.")
    return 0
