"""The feeds table: arrival positions, the rebuild queue, and leases on rebuilds."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.tables import counters, feeds
from feeds.archive.upsert import insert_ignore

# pg_advisory_xact_lock key of archive writers (migrate() uses 727401)
WRITERS_LOCK = 727402


def serialize_writers(conn: Connection) -> None:
    """On PostgreSQL, wait for other intake writers until this transaction ends.

    Intake locks feed rows in the order its articles arrive, so two concurrent batches
    can deadlock; one writer at a time (as SQLite has anyway) rules that out. Fetching
    happens outside the transaction, so the lock is held only for the short write.
    """
    if conn.dialect.name != "postgresql":
        return
    txn = conn.get_transaction()
    if txn is not None and txn.is_active and conn.info.get(_LOCKED_IN) is txn:
        return  # taken already in this transaction, and held until it ends
    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITERS_LOCK})")
    conn.info[_LOCKED_IN] = conn.get_transaction()


# conn.info key: the transaction that holds the writers' lock
_LOCKED_IN = "newsfeeds.writers_lock"


def ensure_feeds(conn: Connection, names: Iterable[str]) -> None:
    """Create feed rows that do not exist yet."""
    serialize_writers(conn)
    insert_ignore(conn, feeds, [{"name": n} for n in sorted(set(names))])


def next_positions(conn: Connection, names: Sequence[str]) -> dict[str, int]:
    """Take the next arrival position in each named feed (row-locked on PostgreSQL)."""
    ensure_feeds(conn, names)
    out: dict[str, int] = {}
    for name in names:
        stmt = (
            feeds.update()
            .where(feeds.c.name == name)
            .values(next_position=feeds.c.next_position + 1)
            .returning(feeds.c.next_position)
        )
        out[name] = int(conn.execute(stmt).scalar_one()) - 1
    return out


def advance(
    conn: Connection, counts: Mapping[str, int], dirty: Iterable[str] = ()
) -> dict[str, int]:
    """Reserve counts[f] arrival positions in each feed and queue `dirty` feeds for a rebuild.

    One UPDATE … RETURNING for every feed of a batch (row-locked on PostgreSQL) instead of
    one per article and feed; returns the first reserved position of each counted feed.
    """
    wanted = {name: k for name, k in counts.items() if k > 0}
    marked = set(dirty)
    names = sorted(set(wanted) | marked)
    if not names:
        return {}
    ensure_feeds(conn, names)
    first: dict[str, int] = {}
    for start in range(0, len(names), _FEEDS_PER_UPDATE):
        part = names[start : start + _FEEDS_PER_UPDATE]
        step = {n: wanted[n] for n in part if n in wanted}
        bump = {n: 1 for n in part if n in marked}
        stmt = (
            feeds.update()
            .where(feeds.c.name.in_(part))
            .values(
                next_position=feeds.c.next_position + _by_name(step),
                dirty_seq=feeds.c.dirty_seq + _by_name(bump),
            )
            .returning(feeds.c.name, feeds.c.next_position)
        )
        for name, after in conn.execute(stmt):
            if name in step:
                first[name] = int(after) - step[name]
    return first


# Feeds per position UPDATE: keeps its CASE and IN lists to a few hundred parameters
_FEEDS_PER_UPDATE = 150


def _by_name(amounts: Mapping[str, int]) -> sa.ColumnElement[int]:
    """An integer per feed name (0 for the others), as SQL."""
    if not amounts:
        return sa.literal(0, sa.BigInteger)
    return sa.case(amounts, value=feeds.c.name, else_=sa.literal(0, sa.BigInteger))


def mark_dirty(conn: Connection, names: Iterable[str]) -> None:
    """Queue feeds for a rebuild; a mark during a running rebuild earns one more run."""
    names = sorted(set(names))
    if not names:
        return
    ensure_feeds(conn, names)
    conn.execute(
        feeds.update().where(feeds.c.name.in_(names)).values(dirty_seq=feeds.c.dirty_seq + 1)
    )


def claim_dirty(
    conn: Connection,
    owner: str,
    now: datetime,
    ttl_seconds: float,
    limit: int = 1000,
    skip: Collection[str] = (),
) -> list[tuple[str, int]]:
    """Lease dirty feeds nobody holds (but those in `skip`); return (name, dirty_seq) pairs."""
    free = sa.or_(feeds.c.lease_until.is_(None), feeds.c.lease_until < now)
    if skip:
        free = sa.and_(free, feeds.c.name.not_in(sorted(skip)))
    # SKIP LOCKED (PostgreSQL; SQLite has one writer anyway): never wait on a feed row an
    # intake transaction is marking, which is what could otherwise deadlock the two
    candidates = [
        r.name
        for r in conn.execute(
            sa.select(feeds.c.name)
            .where(feeds.c.dirty_seq > feeds.c.built_seq, free)
            .order_by(feeds.c.name)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ]
    claimed: list[tuple[str, int]] = []
    for name in candidates:
        # DESIGN.md, Leases: one conditional UPDATE … RETURNING works on both engines
        row = conn.execute(
            feeds.update()
            .where(feeds.c.name == name, feeds.c.dirty_seq > feeds.c.built_seq, free)
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=ttl_seconds))
            .returning(feeds.c.dirty_seq)
        ).first()
        if row is not None:
            claimed.append((name, int(row.dirty_seq)))
    return claimed


_FINISH = (
    feeds.update()
    .where(feeds.c.name == sa.bindparam("b_name"), feeds.c.lease_owner == sa.bindparam("b_owner"))
    .values(built_seq=sa.bindparam("b_built_seq"), lease_owner=None, lease_until=None)
)


def finish(conn: Connection, name: str, owner: str, built_seq: int) -> None:
    """Record a rebuild as done up to the mark it started from, and free its lease."""
    conn.execute(_FINISH, {"b_name": name, "b_owner": owner, "b_built_seq": built_seq})


def extend_lease(conn: Connection, name: str, owner: str, until: datetime) -> None:
    """Push back the end of one feed's lease: its holder is still rebuilding it.

    Only the work that holds a lease extends it: a lease left behind by a failed rebuild
    (whose release failed too, say on a full disk) must be left to expire.
    """
    conn.execute(
        feeds.update()
        .where(feeds.c.name == name, feeds.c.lease_owner == owner)
        .values(lease_until=until)
    )


def release(conn: Connection, name: str, owner: str) -> None:
    """Free a lease without recording progress (the rebuild failed)."""
    conn.execute(
        feeds.update()
        .where(feeds.c.name == name, feeds.c.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )


def all_feed_names(conn: Connection) -> list[str]:
    """Every feed that has ever had a member."""
    return [r.name for r in conn.execute(sa.select(feeds.c.name).order_by(feeds.c.name))]


def missing_feeds(conn: Connection, names: Iterable[str]) -> list[str]:
    """Those of these feeds the archive has never known (never marked, never built)."""
    wanted = sorted(set(names))
    if not wanted:
        return []
    q = sa.select(feeds.c.name).where(feeds.c.name.in_(wanted))
    known = {r.name for r in conn.execute(q)}
    return [n for n in wanted if n not in known]


def pending(conn: Connection) -> int:
    """How many feeds wait for a rebuild."""
    q = sa.select(sa.func.count()).where(feeds.c.dirty_seq > feeds.c.built_seq)
    return int(conn.execute(q).scalar() or 0)


_BUMP = (
    counters.update()
    .where(counters.c.name == sa.bindparam("counter"))
    .values(value=counters.c.value + sa.bindparam("by"))
    .returning(counters.c.value)
)


def bump(conn: Connection, counter: str, by: int = 1) -> int:
    """Add `by` to a named counter and return its new value (serialized by the row lock)."""
    value = conn.execute(_BUMP, {"counter": counter, "by": by}).scalar()
    if value is None:  # the first use of this counter
        insert_ignore(conn, counters, [{"name": counter, "value": 0}])
        value = conn.execute(_BUMP, {"counter": counter, "by": by}).scalar_one()
    return int(value)


def last_position(conn: Connection, feed: str) -> int:
    """The highest arrival position ever given in a feed (0 when none)."""
    value = conn.execute(sa.select(feeds.c.next_position).where(feeds.c.name == feed)).scalar()
    return int(value) - 1 if value is not None else 0
