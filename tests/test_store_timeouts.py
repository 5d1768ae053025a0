"""PostgreSQL client-side timeouts: connect, statement, and a server that stops answering.

Issue 17, case 6: a PostgreSQL that accepts TCP and never answers hung `run` for ever,
silently; a server that stops answering never enforces its own statement_timeout.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine.url import make_url

from feeds.archive import open_store
from feeds.archive.engine import Store
from feeds.archive.pgconnect import StoreSettings
from tests import pg_support
from tests.net_support import Silent, StallingProxy
from tests.service_support import cli, free_port, sample_config

pytestmark = pytest.mark.pg


@pytest.fixture
def schema_url() -> Iterator[str]:
    pg_support.require()
    name, url = pg_support.create_schema()
    yield url
    pg_support.drop_schema(name)


def through(url: str, port: int) -> str:
    """The same database reached at another port of 127.0.0.1."""
    return make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


@contextlib.contextmanager
def opened(url: str, settings: StoreSettings) -> Iterator[Store]:
    store = open_store(url, settings=settings)
    try:
        yield store
    finally:
        store.dispose()


def one(store: Store, sql: str = "SELECT 1") -> object:
    with store.read() as conn:
        return conn.exec_driver_sql(sql).scalar()


def test_a_slow_statement_is_cancelled_after_statement_timeout(schema_url: str) -> None:
    with opened(schema_url, StoreSettings(statement_timeout_seconds=1)) as store:
        with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
            one(store, "SELECT pg_sleep(30)")
        assert one(store) == 1


def test_a_server_that_stops_answering_is_given_up_on_and_then_used_again(
    schema_url: str,
) -> None:
    target = make_url(schema_url)
    proxy = StallingProxy((target.host or "127.0.0.1", target.port or 5432))
    settings = StoreSettings(connect_timeout_seconds=2, statement_timeout_seconds=1)
    try:
        with opened(through(schema_url, proxy.port), settings) as store:
            assert one(store) == 1
            proxy.stall()  # bytes still acknowledged, nothing answered: a stopped server
            with pytest.raises(sa.exc.OperationalError, match=r"did not answer|timeout expired"):
                one(store)
            proxy.resume()
            assert one(store) == 1  # the pool dropped the hung connection; no restart
    finally:
        proxy.close()


def test_run_on_a_server_that_never_answers_exits_with_a_clear_message(tmp_path: Path) -> None:
    silent = Silent()
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{silent.port}/test"
        config = sample_config(tmp_path, free_port(), store_url=url)
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("[store]\n", "[store]\nconnect_timeout_seconds = 2\n"))
        done = cli(config, "run", timeout=60)
    finally:
        silent.close()
    assert done.returncode == 4, done.stderr
    message = " ".join(done.stderr.split())
    assert f"cannot open the archive at {url}" in message
    assert "connection timeout expired" in message
    assert "connect_timeout_seconds = 2" in message
    assert "Traceback" not in done.stderr
