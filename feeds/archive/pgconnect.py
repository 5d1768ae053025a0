"""How every PostgreSQL connection is opened: libpq timeouts, session settings, bounds.

A server that stops answering must be noticed by the client (feeds/archive/bounded.py):
keepalives and tcp_user_timeout drop a connection to a host that vanished, the server
cancels a slow statement itself, and a round trip nobody answers is given up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url

from feeds.archive import bounded

# libpq's TCP bounds (PostgreSQL manual, §34.1.2): an idle connection to a vanished host is
# dropped after 10 + 3 × 5 s of unanswered keepalives; data unacknowledged for 30 s drops a
# busy one. They are defaults: the same names in the URL's query win.
_TCP_BOUNDS = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Client-side bounds on the archive's server (PostgreSQL; SQLite has busy_timeout)."""

    connect_timeout_seconds: int = 10
    statement_timeout_seconds: float = 0.0  # 0: none, and no bound on any round trip

    @property
    def round_trip_seconds(self) -> float | None:
        """How long one round trip may wait before the server is taken for hung."""
        if self.statement_timeout_seconds <= 0:
            return None
        # the server cancels a slow statement itself; past this it is not answering at all
        return self.statement_timeout_seconds + bounded.GRACE_SECONDS


def pg_engine(url: str, settings: StoreSettings) -> Engine:
    """An engine for a PostgreSQL URL whose connections are all bounded."""
    engine = sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args=_connect_args(make_url(url).query, settings),
    )
    bounded.install(engine, settings.round_trip_seconds)
    return engine


def _connect_args(query: Any, settings: StoreSettings) -> dict[str, object]:
    """libpq parameters: timeouts and the session settings every connection gets."""
    # Plans made per execution: psycopg prepares a statement after five runs, and a generic
    # plan made while a table was nearly empty (a first build) kept a sequential scan of
    # `documents` for the whole build: 5 ms per lookup instead of 0.4 (bench, rebuild-pg)
    given = query.get("options", "")
    given = given if isinstance(given, str) else " ".join(given)
    options = f"{given} -c plan_cache_mode=force_custom_plan"
    if settings.statement_timeout_seconds > 0:
        options += f" -c statement_timeout={round(settings.statement_timeout_seconds * 1000)}"
    wanted = {**_TCP_BOUNDS, "connect_timeout": settings.connect_timeout_seconds}
    args: dict[str, object] = {k: v for k, v in wanted.items() if k not in query}
    return {**args, "options": options.strip()}
