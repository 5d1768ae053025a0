"""Shared fixtures.

`store`: an empty, migrated archive, once on SQLite (in tmp_path) and once on PostgreSQL
(a private schema per test, dropped afterwards). Use it for any test of the archive or of
code sitting directly on it, so both engines are covered:

    def test_something(store: Store) -> None:
        with store.begin() as conn:
            ...

`store_url`: the same, as a URL only (nothing opened), for tests that start processes.
The PostgreSQL variants carry the `pg` mark (`pytest -m 'not pg'` leaves them out); they
are skipped when no server answers, and fail under CI=true (see tests/pg_support.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pg_support
import pytest

from feeds.archive.engine import Store, open_store

ENGINES = [pytest.param("sqlite", id="sqlite"), pytest.param("pg", id="pg", marks=pytest.mark.pg)]


@pytest.fixture(params=ENGINES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty archive of each engine (the PostgreSQL schema is dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.db'}"
        return
    pg_support.require()
    schema, url = pg_support.create_schema()
    try:
        yield url
    finally:
        pg_support.drop_schema(schema)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, migrated, empty archive on each engine."""
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.dispose()
