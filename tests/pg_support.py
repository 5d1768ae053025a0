"""PostgreSQL for tests: find the server, give each test a private schema, drop it after.

The server is NEWSFEEDS_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
Without one, PostgreSQL tests are skipped, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import functools
import os
import uuid

import psycopg
import pytest
from sqlalchemy.engine.url import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def base_url() -> str:
    """The SQLAlchemy URL of the test server's database."""
    return os.environ.get("NEWSFEEDS_TEST_PG_URL", DEFAULT_URL)


def _conninfo(url: str) -> str:
    """A libpq connection string for a SQLAlchemy URL (psycopg itself takes no '+psycopg')."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@functools.cache
def unreachable_reason() -> str | None:
    """Why the test server cannot be used, or None when it answers."""
    try:
        with psycopg.connect(_conninfo(base_url()), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL at {base_url()} does not answer ({first}); set NEWSFEEDS_TEST_PG_URL"
    return None


def require() -> None:
    """Skip the calling test without a server; under CI=true, fail it instead."""
    reason = unreachable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true requires PostgreSQL: {reason}", pytrace=False)
    pytest.skip(reason)


def create_schema() -> tuple[str, str]:
    """Create an empty schema; return (its name, a URL whose search_path is only it)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_conninfo(base_url()), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    # search_path holds only the new schema, so every table, Alembic's version table
    # included, is created there and the test sees nothing of any other test.
    url = make_url(base_url()).update_query_dict({"options": f"-csearch_path={name}"})
    return name, url.render_as_string(hide_password=False)


def drop_schema(name: str) -> None:
    """Drop a test schema and everything in it."""
    with psycopg.connect(_conninfo(base_url()), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
