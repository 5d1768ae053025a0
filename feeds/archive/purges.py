"""The CDN purge queue: kept in the archive, so a crash loses no purge and holds no ping."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.tables import cdn_purges


@dataclass(frozen=True, slots=True)
class Purge:
    """One batch of changed documents to purge: their surrogate keys and paths."""

    id: int
    keys: tuple[str, ...]
    paths: tuple[str, ...]
    attempts: int


def enqueue(conn: Connection, keys: Iterable[str], paths: Iterable[str], now: datetime) -> int:
    """Queue one purge of these keys and paths; its id (pings wait for it)."""
    row = conn.execute(
        cdn_purges.insert()
        .values(surrogate_keys=" ".join(sorted(set(keys))), paths="\n".join(paths), next_try=now)
        .returning(cdn_purges.c.id)
    ).first()
    assert row is not None
    return int(row.id)


def claim(conn: Connection, owner: str, now: datetime, ttl: float, limit: int) -> list[Purge]:
    """Lease due purges nobody holds, oldest first."""
    free = sa.or_(cdn_purges.c.lease_until.is_(None), cdn_purges.c.lease_until < now)
    ids = conn.execute(
        sa.select(cdn_purges.c.id)
        .where(cdn_purges.c.next_try <= now, free)
        .order_by(cdn_purges.c.id)
        .limit(limit)
    ).all()
    out = []
    for (purge_id,) in ids:
        got = conn.execute(
            cdn_purges.update()
            .where(cdn_purges.c.id == purge_id, free)
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=ttl))
            .returning(
                cdn_purges.c.id,
                cdn_purges.c.surrogate_keys,
                cdn_purges.c.paths,
                cdn_purges.c.attempts,
            )
        ).first()
        if got is not None:
            keys, paths = (
                tuple(got.surrogate_keys.split()),
                tuple(p for p in got.paths.split("\n") if p),
            )
            out.append(Purge(got.id, keys, paths, got.attempts))
    return out


def done(conn: Connection, purge_id: int) -> None:
    """The CDN accepted the purge (or it was given up)."""
    conn.execute(cdn_purges.delete().where(cdn_purges.c.id == purge_id))


def retry(conn: Connection, purge_id: int, error: str, next_try: datetime) -> None:
    """A purge failed: try again later."""
    conn.execute(
        cdn_purges.update()
        .where(cdn_purges.c.id == purge_id)
        .values(
            attempts=cdn_purges.c.attempts + 1,
            last_error=error[:500],
            next_try=next_try,
            lease_owner=None,
            lease_until=None,
        )
    )


def waiting(conn: Connection) -> int:
    """How many purges are queued."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(cdn_purges)).scalar() or 0)
