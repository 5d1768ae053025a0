"""Embargo release: articles dated ahead go live at their time; and what waits to be rebuilt."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from feeds.archive import embargoes, queue
from feeds.archive.engine import Store


def release_embargoes(store: Store, now: datetime) -> int:
    """Make live every embargoed article whose time has come; queue its feeds."""
    released = 0
    with store.begin() as conn:
        for article in embargoes.due_embargoes(conn, now):
            live = dataclasses.replace(article, status=article.status.LIVE, embargo_until=None)
            embargoes.publish_embargoed(conn, live, now=now)
            released += 1
    return released


def next_embargo(store: Store) -> datetime | None:
    """When the next embargo lifts."""
    with store.read() as conn:
        return embargoes.next_embargo(conn)


def pending_rebuilds(store: Store) -> int:
    """How many feeds wait for a rebuild."""
    with store.read() as conn:
        return queue.pending(conn)
