"""The PostgreSQL test helpers (tests/pg.py): a fresh database per test on the server of
TEST_DATABASE_URL, and what happens without one (a skip here, a failure in CI)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests import pg


async def exists(server: str, name: str) -> bool:
    conn = await asyncpg.connect(pg.with_database(server, pg.MAINTENANCE_DB))
    try:
        return await conn.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", name) == 1
    finally:
        await conn.close()


async def test_a_fresh_database_answers_is_empty_and_is_dropped():
    server = pg.postgres_url()
    url = await pg.fresh_database(server)
    name = pg.database_name(url)
    assert pg.NAME.fullmatch(name), name
    try:
        conn = await asyncpg.connect(url)
        try:
            assert await conn.fetchval("SELECT 1") == 1
            assert await conn.fetchval("SELECT current_database()") == name
            tables = await conn.fetchval(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            )
            assert tables == 0
            await conn.execute("CREATE TABLE t (x int); INSERT INTO t VALUES (42)")
            assert await conn.fetchval("SELECT x FROM t") == 42
        finally:
            await conn.close()
        assert await exists(server, name)
    finally:
        await pg.drop_database(url)
    assert not await exists(server, name)
    await pg.drop_database(url)  # already gone: no error


async def test_databases_made_at_once_are_each_their_own_and_a_drop_ends_open_connections():
    server = pg.postgres_url()
    urls = await asyncio.gather(*(pg.fresh_database(server) for _ in range(4)))
    assert len({pg.database_name(url) for url in urls}) == 4
    conns: list[asyncpg.Connection] = []
    try:
        for url in urls:
            conns.append(await asyncpg.connect(url))
        for i, conn in enumerate(conns):
            await conn.execute(f"CREATE TABLE mine (n int); INSERT INTO mine VALUES ({i})")
        assert [await conn.fetchval("SELECT n FROM mine") for conn in conns] == [0, 1, 2, 3]
    finally:
        # the connections are still open: the drop ends them rather than waiting on them
        await asyncio.wait_for(asyncio.gather(*(pg.drop_database(url) for url in urls)), 30)
    assert not any([await _answers(conn) for conn in conns])
    for conn in conns:
        conn.terminate()
    assert not any([await exists(server, pg.database_name(url)) for url in urls])


async def _answers(conn: asyncpg.Connection) -> bool:
    try:
        await conn.fetchval("SELECT 1")
        return True
    except (asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError):
        return False


async def test_drop_database_refuses_a_database_it_did_not_make():
    for name in ("postgres", "cbt_test", "cbt_companion", "cbt_test_XYZ", "cbt_test_0123456789abc"):
        with pytest.raises(ValueError, match="only the databases fresh_database makes"):
            await pg.drop_database(f"postgresql://postgres@127.0.0.1:1/{name}")


def test_a_database_url_keeps_its_server_user_and_options():
    url = "postgresql://me:secret@127.0.0.1:5433/cbt_test?sslmode=disable"
    assert pg.with_database(url, "postgres") == "postgresql://me:secret@127.0.0.1:5433/postgres?sslmode=disable"
    assert pg.database_name(url) == "cbt_test"
    assert pg.with_database("postgresql://postgres@127.0.0.1:5433", "x") == "postgresql://postgres@127.0.0.1:5433/x"


def test_without_a_server_ci_fails_with_why(monkeypatch):
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    for ci in ("1", "true"):
        monkeypatch.setenv("CI", ci)
        with pytest.raises(pytest.fail.Exception) as failed:
            pg.postgres_url()
        assert str(failed.value) == pg.CI_MESSAGE
        assert "TEST_DATABASE_URL is not set" in str(failed.value)


def test_without_a_server_a_developer_skips_with_how(monkeypatch):
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    for ci in (None, "", "0", "false"):
        if ci is None:
            monkeypatch.delenv("CI", raising=False)
        else:
            monkeypatch.setenv("CI", ci)
        with pytest.raises(pytest.skip.Exception) as skipped:
            pg.postgres_url()
        assert str(skipped.value) == pg.SKIP_MESSAGE
        assert "bash .ci/postgres start" in str(skipped.value)


def test_with_a_server_the_url_is_used_in_ci_or_not(monkeypatch):
    monkeypatch.setenv("TEST_DATABASE_URL", " postgresql://postgres@127.0.0.1:5999/cbt_test\n")
    for ci in ("1", ""):
        monkeypatch.setenv("CI", ci)
        assert pg.postgres_url() == "postgresql://postgres@127.0.0.1:5999/cbt_test"
