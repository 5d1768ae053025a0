"""The WebSub publish-ping queue: kept in the archive so a crash loses no ping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.tables import websub_pings


@dataclass(frozen=True, slots=True)
class Ping:
    """One pending publish notification to one hub for one topic URL."""

    id: int
    hub: str
    topic: str
    attempts: int


def enqueue(
    conn: Connection,
    hubs: tuple[str, ...],
    topics: list[str],
    now: datetime,
    *,
    held_by: int | None = None,
) -> None:
    """Queue a ping per hub and topic, unless the same one is already waiting.

    `held_by`: a CDN purge the ping waits for; a waiting ping is held by the newest one,
    so a hub is never sent to a copy older than the last change.
    """
    for hub in hubs:
        for topic in topics:
            waiting = conn.execute(
                sa.select(websub_pings.c.id).where(
                    websub_pings.c.hub == hub, websub_pings.c.topic == topic
                )
            ).first()
            if waiting is None:
                conn.execute(
                    websub_pings.insert().values(
                        hub=hub, topic=topic, next_try=now, purge_id=held_by
                    )
                )
            elif held_by is not None:
                conn.execute(
                    websub_pings.update()
                    .where(websub_pings.c.id == waiting.id)
                    .values(purge_id=held_by)
                )


def release(conn: Connection, purge_id: int, at: datetime) -> int:
    """The pings a purge held may go from `at` on; how many there were."""
    result = conn.execute(
        websub_pings.update()
        .where(websub_pings.c.purge_id == purge_id)
        .values(purge_id=None, next_try=at)
    )
    return int(result.rowcount or 0)


def claim(conn: Connection, owner: str, now: datetime, ttl: float, limit: int = 100) -> list[Ping]:
    """Lease due pings nobody holds."""
    free = sa.or_(websub_pings.c.lease_until.is_(None), websub_pings.c.lease_until < now)
    rows = conn.execute(
        sa.select(websub_pings.c.id)
        .where(websub_pings.c.next_try <= now, websub_pings.c.purge_id.is_(None), free)
        .order_by(websub_pings.c.id)
        .limit(limit)
    ).all()
    out = []
    for r in rows:
        got = conn.execute(
            websub_pings.update()
            .where(websub_pings.c.id == r.id, free)
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=ttl))
            .returning(
                websub_pings.c.id, websub_pings.c.hub, websub_pings.c.topic, websub_pings.c.attempts
            )
        ).first()
        if got is not None:
            out.append(Ping(*got))
    return out


def done(conn: Connection, ping_id: int) -> None:
    """A hub accepted the ping."""
    conn.execute(websub_pings.delete().where(websub_pings.c.id == ping_id))


def retry(conn: Connection, ping_id: int, error: str, next_try: datetime) -> None:
    """A ping failed: try again later."""
    conn.execute(
        websub_pings.update()
        .where(websub_pings.c.id == ping_id)
        .values(
            attempts=websub_pings.c.attempts + 1,
            last_error=error[:500],
            next_try=next_try,
            lease_owner=None,
            lease_until=None,
        )
    )


def waiting(conn: Connection) -> int:
    """How many pings are queued."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(websub_pings)).scalar() or 0)
