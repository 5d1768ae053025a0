"""PostgreSQL connections on which no round trip waits for ever.

A server that stopped answering (SIGSTOP, a hung host whose kernel still acknowledges
every packet) never enforces its own statement_timeout, and its kernel answers TCP
keepalives: only the client can tell. psycopg waits for every round trip in
Connection.wait, which takes a timeout; past it the connection is closed, so the pool
drops it, and the caller gets an OperationalError naming the server.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

import psycopg
import sqlalchemy as sa
from psycopg.abc import PQGen
from psycopg.errors import _WaitTimeout  # what Connection.wait raises when its timeout passes
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

GRACE_SECONDS = 5.0  # past the server's own statement_timeout, before calling it hung
_WAIT_INTERVAL = 0.1  # psycopg's own: how often a wait wakes to notice Ctrl-C
RV = TypeVar("RV")


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose round trips give up after `bound_seconds`."""

    bound_seconds: float | None = None

    def wait(
        self, gen: PQGen[RV], interval: float = _WAIT_INTERVAL, timeout: float | None = None
    ) -> RV:
        bound = self.bound_seconds if timeout is None else timeout
        try:
            return super().wait(gen, interval, bound)
        except _WaitTimeout as exc:
            if timeout is not None:  # the caller's own timeout: theirs to handle
                raise
            where = f"{self.info.host}:{self.info.port}"
            self.pgconn.finish()  # mid-statement, the connection is unusable: drop it
            log.warning("PostgreSQL at %s did not answer within %g s", where, bound)
            raise psycopg.OperationalError(
                f"PostgreSQL at {where} did not answer within {bound:g} s "
                "(store.statement_timeout_seconds + 5); the connection was closed"
            ) from exc


def install(engine: Engine, bound_seconds: float | None) -> None:
    """Make every connection of a PostgreSQL engine a bounded one."""

    def connect(dialect: Any, record: Any, cargs: Any, cparams: Any) -> BoundedConnection:
        conn = BoundedConnection.connect(*cargs, **cparams)
        conn.bound_seconds = bound_seconds
        return conn

    def restore(dbapi_conn: Any, record: Any) -> None:
        if isinstance(dbapi_conn, BoundedConnection):
            dbapi_conn.bound_seconds = bound_seconds

    sa.event.listen(engine, "do_connect", connect)
    sa.event.listen(engine, "checkin", restore)


def lift(conn: Connection) -> None:
    """No bound on this connection until it goes back to the pool (a migration's DDL)."""
    dbapi_conn = conn.connection.dbapi_connection
    if isinstance(dbapi_conn, BoundedConnection):
        dbapi_conn.bound_seconds = None
