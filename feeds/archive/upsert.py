"""Dialect-neutral INSERT … ON CONFLICT, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def _insert(conn: Connection, table: sa.Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows, leaving any that already exist untouched."""
    if rows:
        conn.execute(_insert(conn, table).on_conflict_do_nothing(), list(rows))


def upsert(conn: Connection, table: sa.Table, row: Mapping[str, Any], keys: Sequence[str]) -> None:
    """Insert a row, or update every non-key column of the existing one."""
    upsert_many(conn, table, [row], keys)


def upsert_many(
    conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]], keys: Sequence[str]
) -> None:
    """Upsert rows that all name the same columns, in one executemany."""
    if rows:
        stmt = _upsert_statement(conn.dialect.name, table, tuple(rows[0]), tuple(keys))
        conn.execute(stmt, [dict(r) for r in rows])


@functools.cache
def _upsert_statement(dialect: str, table: sa.Table, columns: tuple[str, ...], keys: Any) -> Any:
    """The upsert statement for one shape of row, built once."""
    # building a statement (and its cache key) cost more than running it: a third of a
    # full rebuild's time before it was reused (profiled on the bench's scale set)
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    update = {k: stmt.excluded[k] for k in columns if k not in keys}
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=update)
