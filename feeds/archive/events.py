"""Events an operator should see on /status (publish-guard refusals, …)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.tables import events


@dataclass(frozen=True, slots=True)
class Event:
    """One recorded event."""

    at: datetime
    kind: str
    subject: str
    message: str


def record(conn: Connection, event: Event) -> None:
    """Store an event in the caller's transaction."""
    conn.execute(
        events.insert().values(
            at=event.at, kind=event.kind, subject=event.subject[:300], message=event.message
        )
    )


def recent(conn: Connection, kind: str | None = None, limit: int = 20) -> list[Event]:
    """The newest events, optionally of one kind, newest first."""
    q = sa.select(events.c.at, events.c.kind, events.c.subject, events.c.message)
    if kind is not None:
        q = q.where(events.c.kind == kind)
    q = q.order_by(events.c.at.desc(), events.c.id.desc()).limit(limit)
    return [Event(*r) for r in conn.execute(q)]
