"""Leases across processes: who runs a periodic job, and leases left by a dead process."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.tables import counters, feeds, source_state, websub_pings
from feeds.archive.upsert import insert_ignore

_LEASED = (source_state, feeds, websub_pings)


def lease_owners(conn: Connection) -> set[str]:
    """Every owner that holds a lease on a source, a feed or a WebSub ping."""
    found: set[str] = set()
    for table in _LEASED:
        q = sa.select(table.c.lease_owner).where(table.c.lease_owner.is_not(None)).distinct()
        found.update(str(owner) for owner in conn.execute(q).scalars())
    return found


def release_owners(conn: Connection, owners: Iterable[str]) -> int:
    """Free every lease these (dead) owners hold; return how many rows were freed."""
    owners = sorted(set(owners))
    if not owners:
        return 0
    freed = 0
    for table in _LEASED:
        result = conn.execute(
            table.update()
            .where(table.c.lease_owner.in_(owners))
            .values(lease_owner=None, lease_until=None)
        )
        freed += result.rowcount
    return freed


def claim_run(conn: Connection, job: str, now: datetime, every_seconds: float) -> bool:
    """Take the right to run a periodic job now; False when a process ran it recently.

    The last start (epoch seconds) lives in `counters`; one conditional UPDATE decides,
    so of several processes exactly one runs it per period (DESIGN.md, Leases).
    """
    name = f"ran:{job}"
    insert_ignore(conn, counters, [{"name": name, "value": 0}])
    stamp = int(now.timestamp())
    row = conn.execute(
        counters.update()
        .where(counters.c.name == name, counters.c.value <= stamp - int(every_seconds))
        .values(value=stamp)
        .returning(counters.c.value)
    ).first()
    return row is not None
