"""Per-source state: validators, health, next due time, and poll leases."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime, timedelta
from types import MappingProxyType

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.tables import source_state
from feeds.archive.upsert import insert_ignore, upsert
from sources.model.raw import encodable_text
from sources.model.state import SourceState

_FIELDS = tuple(f for f in SourceState.__dataclass_fields__ if f != "memo")


def load(conn: Connection, source_id: str, default_url: str) -> SourceState:
    """The stored state of a source, or a fresh one at its configured URL."""
    row = conn.execute(sa.select(source_state).where(source_state.c.source_id == source_id)).first()
    if row is None:
        return SourceState(source_id=source_id, url=default_url)
    m = row._mapping
    fields = {f: m[f] for f in _FIELDS}
    if not fields["url"].startswith(("http://", "https://")):
        # only a web URL moves (a confirmed permanent redirect): a local path is always the
        # configured one, which the config resolves from its own folder
        fields["url"] = default_url
    return SourceState(**fields, memo=MappingProxyType(json.loads(m["memo"] or "{}")))


def load_all(conn: Connection) -> list[SourceState]:
    """Every stored source state, by id."""
    rows = conn.execute(sa.select(source_state.c.source_id, source_state.c.url)).all()
    return [load(conn, r.source_id, r.url) for r in sorted(rows)]


def by_id(conn: Connection) -> dict[str, SourceState]:
    """Every stored source state, keyed by source id."""
    return {s.source_id: s for s in load_all(conn)}


def count_failing(conn: Connection, source_ids: Collection[str]) -> int:
    """How many of these sources failed their last poll or were retired."""
    q = (
        sa.select(sa.func.count())
        .select_from(source_state)
        .where(
            source_state.c.source_id.in_(list(source_ids)),
            sa.or_(source_state.c.consecutive_failures > 0, source_state.c.retired.is_(True)),
        )
    )
    return int(conn.execute(q).scalar() or 0)


def save(conn: Connection, state: SourceState) -> None:
    """Store a source's state (keeping any lease columns as they are)."""
    # an error text may quote a file name that is not UTF-8: keep it storable
    row: dict[str, object] = {f: _storable(getattr(state, f)) for f in _FIELDS}
    row["memo"] = json.dumps(dict(state.memo), sort_keys=True)
    upsert(conn, source_state, row, ["source_id"])


def claim(
    conn: Connection, source_id: str, url: str, owner: str, now: datetime, ttl: float
) -> bool:
    """Lease a source for one poll; False when another live process holds it."""
    insert_ignore(conn, source_state, [{"source_id": source_id, "url": url}])
    free = sa.or_(source_state.c.lease_until.is_(None), source_state.c.lease_until < now)
    # DESIGN.md, Leases: one conditional UPDATE … RETURNING on both engines
    row = conn.execute(
        source_state.update()
        .where(source_state.c.source_id == source_id, free)
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=ttl))
        .returning(source_state.c.source_id)
    ).first()
    return row is not None


def release(conn: Connection, source_id: str, owner: str) -> None:
    """Give a poll lease back."""
    conn.execute(
        source_state.update()
        .where(source_state.c.source_id == source_id, source_state.c.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )


def unretire(conn: Connection, source_id: str, now: datetime) -> bool:
    """Bring a retired source back into the schedule; False if it is unknown."""
    result = conn.execute(
        source_state.update()
        .where(source_state.c.source_id == source_id)
        .values(retired=False, gone_count=0, consecutive_failures=0, next_due=now)
    )
    return bool(result.rowcount)


def _storable(value: object) -> object:
    return encodable_text(value) if isinstance(value, str) else value
