"""PostgreSQL for the tests that need it (docs/postgres.md, "PostgreSQL for the tests").

`postgres_url()` is the server to use, from TEST_DATABASE_URL: without it a test skips, except
in CI (env CI set), where it fails, since there .ci/run starts PostgreSQL and a missing server
means the PostgreSQL tests would silently not run. `fresh_database(url)` makes a new, empty,
uniquely named database on that server and returns its URL; `drop_database(url)` removes one
again. Every test gets its own database, so parallel workers (pytest -n auto) never share one:

    server = postgres_url()
    url = await fresh_database(server)
    try:
        ...  # asyncpg.connect(url), or the store under test
    finally:
        await drop_database(url)
"""

from __future__ import annotations

import os
import re
import uuid
from urllib.parse import unquote, urlsplit

import asyncpg
import pytest

ENV_URL = "TEST_DATABASE_URL"
CI_MESSAGE = "CI must run the PostgreSQL tests: .ci/run starts PostgreSQL; TEST_DATABASE_URL is not set"
SKIP_MESSAGE = "PostgreSQL tests skipped: set TEST_DATABASE_URL (bash .ci/postgres start prints one)"
MAINTENANCE_DB = "postgres"  # every server has it; CREATE and DROP DATABASE run from there
PREFIX = "cbt_test_"
NAME = re.compile(rf"{PREFIX}[0-9a-f]{{12}}")  # the only names drop_database will drop
CONNECT_TIMEOUT = 10.0  # seconds


def in_ci() -> bool:
    """CI sets CI (to 1 or true); an empty, 0, false or no value is a developer's machine."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def postgres_url() -> str:
    """TEST_DATABASE_URL; unset, the calling test skips, or fails in CI."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    if in_ci():
        pytest.fail(CI_MESSAGE, pytrace=False)
    pytest.skip(SKIP_MESSAGE)


def with_database(url: str, name: str) -> str:
    """The same server, user and options, another database."""
    return urlsplit(url)._replace(path="/" + name).geturl()


def database_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _maintenance(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(with_database(url, MAINTENANCE_DB), timeout=CONNECT_TIMEOUT)


async def fresh_database(url: str) -> str:
    """Creates a new empty database, cbt_test_<12 hex digits>, on the server of `url` (any of
    its databases), and returns the URL that reaches it."""
    name = PREFIX + uuid.uuid4().hex[:12]
    conn = await _maintenance(url)
    try:
        # template0: empty whatever template1 holds, and nobody is ever connected to it.
        # FILE_COPY (PostgreSQL 15+) copies its files instead of writing them to the WAL:
        # 95 ms against 210 ms a database on .ci/postgres's server (docs/postgres.md).
        strategy = " STRATEGY FILE_COPY" if conn.get_server_version().major >= 15 else ""
        await conn.execute(f"CREATE DATABASE {_quoted(name)} TEMPLATE template0{strategy}")
    finally:
        await conn.close()
    return with_database(url, name)


async def drop_database(url: str) -> None:
    """Drops the database of `url`, one that fresh_database made, ending any connections to it
    still open. Dropping one already gone is fine; any other name is refused."""
    name = database_name(url)
    if not NAME.fullmatch(name):
        raise ValueError(f"drop_database drops only the databases fresh_database makes, not {name!r}")
    conn = await _maintenance(url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"], name="database_url")
async def both_databases(request):
    """A module that imports this runs each of its tests that open the store on both
    databases: `None` is the SQLite file (tests/conftest.py's `db_path`), else the URL of a
    fresh PostgreSQL database, dropped afterwards."""
    if request.param == "sqlite":
        yield None
        return
    url = await fresh_database(postgres_url())
    try:
        yield url
    finally:
        await drop_database(url)
