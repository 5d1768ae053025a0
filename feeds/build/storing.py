"""Store what a rebuild rendered: only the documents whose bytes changed, then the CDN
purge and the WebSub pings those changes call for (in the same transaction)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TypeVar

from sqlalchemy.engine import Connection

from feeds.archive import documents as docs
from feeds.archive import pings, purges
from feeds.build import cdn
from feeds.catalog import is_history_path
from feeds.site import Site

T = TypeVar("T")

STORE_BATCH = 12  # documents per lookup-and-write: four history pages in three formats


def store_changed(
    conn: Connection, site: Site, rendered: Iterable[docs.Document], now: datetime
) -> list[str]:
    """Write the documents whose bytes changed; queue WebSub pings for current ones."""
    changed: list[str] = []
    feeds: set[str] = set()
    # a few documents at a time: one lookup and one write per batch, not per document,
    # while pages rendered lazily are still never all held at once
    for batch in batches(rendered, STORE_BATCH):
        stored = docs.versions_of(conn, [d.path for d in batch])
        # same bytes: keep the stored change time, so Last-Modified holds
        fresh = [d for d in batch if _differs(d, stored)]
        docs.put_many(conn, fresh, stored)  # dated there: whole seconds, after the stored
        changed += [d.path for d in fresh]
        feeds |= {d.feed for d in fresh}
    # a CDN in front: purge first, the pings wait for it (feeds/build/cdn.py)
    held = None
    if site.purge and changed:
        held = purges.enqueue(conn, cdn.keys_of(sorted(feeds)), changed, now)
    # history pages are fetched by walking links, never subscribed to: no pings
    topics = [site.base_url + p for p in changed if not is_history_path(p)]
    pings.enqueue(conn, site.hubs, topics, now, held_by=held)
    return changed


def _differs(doc: docs.Document, stored: dict[str, tuple[str, datetime]]) -> bool:
    known = stored.get(doc.path)
    return known is None or known[0] != doc.etag


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of up to `size` items (itertools.batched is Python 3.12+)."""
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch
