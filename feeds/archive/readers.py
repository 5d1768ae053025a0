"""Reader counts in the archive: additive upserts from every process, reads for reports."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from feeds.archive.reader_tables import reader_hits, reader_pickups, reader_subscribers

HIT_COUNTS = ("requests", "ok", "not_modified", "other", "bytes")


@dataclass(frozen=True, slots=True)
class Batch:
    """Counts gathered in memory since the last flush, as rows ready to add."""

    hits: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    subscribers: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    pickups: Sequence[Mapping[str, Any]] = field(default_factory=tuple)

    def is_empty(self) -> bool:
        """Nothing to add."""
        return not (self.hits or self.subscribers or self.pickups)


def _insert(dialect: str, table: sa.Table) -> Any:
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


@functools.cache
def _add_hits(dialect: str) -> Any:
    # requests = requests + excluded.requests: two processes flushing the same hour add up
    stmt = _insert(dialect, reader_hits)
    add = {c: reader_hits.c[c] + stmt.excluded[c] for c in HIT_COUNTS}
    return stmt.on_conflict_do_update(index_elements=["feed", "family", "hour"], set_=add)


@functools.cache
def _keep_latest(dialect: str) -> Any:
    stmt = _insert(dialect, reader_subscribers)
    newer = stmt.excluded.seen_at >= reader_subscribers.c.seen_at
    keep = {
        "subscribers": sa.case(
            (newer, stmt.excluded.subscribers), else_=reader_subscribers.c.subscribers
        ),
        "seen_at": sa.case((newer, stmt.excluded.seen_at), else_=reader_subscribers.c.seen_at),
    }
    return stmt.on_conflict_do_update(index_elements=["feed", "family", "unit", "hour"], set_=keep)


@functools.cache
def _keep_first(dialect: str) -> Any:
    stmt = _insert(dialect, reader_pickups)
    new, old = stmt.excluded.first_fetch_at, reader_pickups.c.first_fetch_at
    first = sa.case((new < old, new), else_=old)
    return stmt.on_conflict_do_update(
        index_elements=["feed", "family", "changed_at"], set_={"first_fetch_at": first}
    )


def add_counts(conn: Connection, batch: Batch) -> None:
    """Add one flush's counts: hits summed, the latest subscriber count, the first pickup."""
    dialect = conn.dialect.name
    # sorted keys: two processes upserting the same rows lock them in one order (no deadlock)
    if batch.hits:
        conn.execute(_add_hits(dialect), sorted(batch.hits, key=_hit_key))
    if batch.subscribers:
        conn.execute(_keep_latest(dialect), sorted(batch.subscribers, key=_sub_key))
    if batch.pickups:
        conn.execute(_keep_first(dialect), sorted(batch.pickups, key=_pick_key))


def _hit_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (row["feed"], row["family"], row["hour"])


def _sub_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (row["feed"], row["family"], row["unit"], row["hour"])


def _pick_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (row["feed"], row["family"], row["changed_at"])


def prune(conn: Connection, before: datetime) -> int:
    """Drop counts older than the retention window; how many rows went."""
    gone = conn.execute(sa.delete(reader_hits).where(reader_hits.c.hour < before)).rowcount
    gone += conn.execute(
        sa.delete(reader_subscribers).where(reader_subscribers.c.hour < before)
    ).rowcount
    gone += conn.execute(
        sa.delete(reader_pickups).where(reader_pickups.c.changed_at < before)
    ).rowcount
    return int(gone)


def hits_since(conn: Connection, since: datetime, feed: str | None = None) -> list[dict[str, Any]]:
    """Hourly hit rows from `since` on, optionally of one feed."""
    q = sa.select(reader_hits).where(reader_hits.c.hour >= since)
    if feed is not None:
        q = q.where(reader_hits.c.feed == feed)
    q = q.order_by(reader_hits.c.feed, reader_hits.c.family, reader_hits.c.hour)
    return [dict(r._mapping) for r in conn.execute(q)]


def subscribers_since(
    conn: Connection, since: datetime, feed: str | None = None
) -> list[dict[str, Any]]:
    """Reported subscriber counts from `since` on, oldest first."""
    t = reader_subscribers
    q = sa.select(t).where(t.c.hour >= since)
    if feed is not None:
        q = q.where(t.c.feed == feed)
    return [dict(r._mapping) for r in conn.execute(q.order_by(t.c.seen_at))]


def pickups_since(
    conn: Connection, since: datetime, feed: str | None = None
) -> list[dict[str, Any]]:
    """First fetches of document changes made from `since` on."""
    t = reader_pickups
    q = sa.select(t).where(t.c.changed_at >= since)
    if feed is not None:
        q = q.where(t.c.feed == feed)
    return [dict(r._mapping) for r in conn.execute(q.order_by(t.c.changed_at, t.c.family))]
