"""Leases left behind by a process that died (kill -9, power loss), freed at start-up."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.schema import feeds, source_state, websub_pings

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
