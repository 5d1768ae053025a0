"""Force requests: `build --force` asks, and whichever process rebuilds the feed honours it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.queue import mark_dirty
from feeds.archive.tables import feeds


def request(conn: Connection, names: Iterable[str]) -> list[str]:
    """Queue feeds for a rebuild that skips the publish guard; return their names."""
    names = sorted(set(names))
    mark_dirty(conn, names)
    conn.execute(feeds.update().where(feeds.c.name.in_(names)).values(forced_seq=feeds.c.dirty_seq))
    return names


def is_forced(conn: Connection, name: str, seq: int) -> bool:
    """Whether a rebuild from dirty mark `seq` was asked to skip the guard."""
    q = sa.select(feeds.c.forced_seq).where(feeds.c.name == name)
    forced = conn.execute(q).scalar()
    return forced is not None and int(forced) <= seq


def honoured(conn: Connection, name: str, seq: int) -> None:
    """A rebuild from mark `seq` skipped the guard: the requests up to it are done."""
    conn.execute(
        feeds.update()
        .where(feeds.c.name == name, feeds.c.forced_seq <= seq)
        .values(forced_seq=None)
    )


def waiting(conn: Connection, names: Sequence[str]) -> list[str]:
    """Those of these feeds whose force request no rebuild has honoured yet."""
    q = sa.select(feeds.c.name).where(
        feeds.c.name.in_(list(names)), feeds.c.forced_seq.is_not(None)
    )
    return sorted(conn.execute(q).scalars())
