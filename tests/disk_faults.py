"""A full disk under one archive, at the driver boundary (a real SQLite or PostgreSQL).

While on, every INSERT, UPDATE and DELETE fails with the error the engine gives when its
disk is full (SQLite: SQLITE_FULL "database or disk is full"; PostgreSQL: SQLSTATE 53100
disk_full), so the code under test meets exactly what it would meet on a full disk; reads
go on. `make soak` fills a real tmpfs for the same fault end to end.
"""

from __future__ import annotations

import sqlite3
from types import TracebackType
from typing import Any

import psycopg.errors
import sqlalchemy as sa

from feeds.archive.engine import Store

_WRITES = ("INSERT", "UPDATE", "DELETE")


class FullDisk:
    """Turn a full disk on and off for one store's connections (a context manager)."""

    def __init__(self, store: Store) -> None:
        self.store, self.on, self.refused = store, False, 0
        sa.event.listen(store.engine, "before_cursor_execute", self._check)

    def _check(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not self.on or not statement.lstrip().upper().startswith(_WRITES):
            return
        self.refused += 1
        if self.store.is_sqlite:
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = 13  # SQLITE_FULL
            error.sqlite_errorname = "SQLITE_FULL"
            raise error
        raise psycopg.errors.DiskFull("could not extend file: No space left on device")

    def __enter__(self) -> FullDisk:
        self.on = True
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.on = False
