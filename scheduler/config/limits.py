"""The `[server]` limits and `[store]` timeouts of config.toml, read into plain settings."""

from __future__ import annotations

from feeds.archive.pgconnect import StoreSettings
from feeds.http.protocol import HttpLimits
from scheduler.config.reader import Reader


def http_limits(r: Reader) -> HttpLimits:
    """`[server]` limits; max_connections absent means: derived from the open-file limit."""
    connections = None
    if r.peek("server.max_connections") is not None:
        connections = r.integer("server.max_connections", 1000, low=16)
    return HttpLimits(
        max_header_bytes=r.integer("server.max_header_bytes", 16384, low=1024, high=1 << 20),
        header_timeout_seconds=r.number("server.header_timeout_seconds", 10.0, low=0.1),
        idle_timeout_seconds=r.number("server.idle_timeout_seconds", 30.0, low=0.1),
        max_connections=connections,
    )


def store_settings(r: Reader) -> StoreSettings:
    """`[store]` timeouts (PostgreSQL); statement_timeout_seconds = 0 turns both off."""
    return StoreSettings(
        # libpq waits at least 2 s whatever it is given (connectDBComplete)
        connect_timeout_seconds=r.integer("store.connect_timeout_seconds", 10, low=2),
        statement_timeout_seconds=r.number("store.statement_timeout_seconds", 60.0, low=0.0),
    )
