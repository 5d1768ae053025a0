"""The audit trail of push-API writes and withdrawals, and what a withdrawal re-stores."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.tables import audit_log


@dataclass(frozen=True, slots=True)
class Entry:
    """One recorded change: who (the token's name), when, what, to which article."""

    at: datetime
    actor: str
    action: str
    article_id: str | None
    detail: dict[str, object]


def record(
    conn: Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    article_id: str | None,
    detail: dict[str, object],
) -> None:
    """Append one entry, in the caller's transaction (so it commits with the change)."""
    conn.execute(
        audit_log.insert().values(
            at=at,
            actor=actor[:100],
            action=action[:50],
            article_id=article_id,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
        )
    )


def entries(conn: Connection, *, limit: int = 100) -> list[Entry]:
    """The newest entries first."""
    q = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    return [
        Entry(r.at, r.actor, r.action, r.article_id, json.loads(r.detail or "{}"))
        for r in conn.execute(q)
    ]
