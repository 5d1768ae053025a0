"""The server's bounded in-memory cache of prepared responses, reading through to the archive."""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from feeds.archive import documents as docs
from feeds.archive.engine import Store
from feeds.http.conditional import http_date


@dataclass(frozen=True, slots=True)
class Prepared:
    """One document with its bytes and headers made once, per content coding."""

    path: str
    feed: str
    bodies: dict[str, bytes]  # coding -> bytes
    etags: dict[str, str]  # coding -> strong ETag of exactly those bytes
    all_etags: tuple[str, ...]
    last_modified: str
    changed_at: datetime
    changed_ts: float  # changed_at as a Unix time, for reader pickups on the hot path
    media_type: str
    item_count: int
    generation: int


def prepare(doc: docs.Document) -> Prepared:
    """Turn a stored document into ready-to-send variants; each coding has its own ETag."""
    base = doc.etag.strip('"')
    bodies = {"identity": doc.body, "gzip": doc.gzip}
    etags = {"identity": doc.etag, "gzip": f'"{base}-gz"'}
    if doc.br is not None:
        bodies["br"] = doc.br
        etags["br"] = f'"{base}-br"'
    return Prepared(
        path=doc.path,
        feed=doc.feed,
        bodies=bodies,
        etags=etags,
        all_etags=tuple(etags.values()),
        last_modified=http_date(doc.changed_at),
        changed_at=doc.changed_at,
        changed_ts=doc.changed_at.timestamp(),
        media_type=doc.media_type,
        item_count=doc.item_count,
        generation=doc.generation,
    )


class DocumentCache:
    """LRU of prepared documents; misses read the archive, refresh() follows other writers."""

    def __init__(self, store: Store, max_entries: int = 20_000) -> None:
        self.store = store
        self.max_entries = max_entries
        self._items: OrderedDict[str, Prepared] = OrderedDict()
        # documents dropped after a rebuild, kept until their successor is read, so a feed
        # that existed is still served if the archive is unreachable at that moment
        self._last_good: OrderedDict[str, Prepared] = OrderedDict()
        self._lock = threading.Lock()
        self.generation = 0

    def peek(self, path: str) -> Prepared | None:
        """A cached document, without touching the archive (the hot path)."""
        item = self._items.get(path)
        if item is not None:
            # move_to_end is O(1); skipping the lock here is safe under the GIL
            with contextlib.suppress(KeyError):
                self._items.move_to_end(path)
        return item

    def load(self, path: str) -> Prepared | None:
        """Read a document through from the archive (blocking: call off the event loop)."""
        with self.store.read() as conn:
            doc = docs.get(conn, path)
        if doc is None:
            return None
        item = prepare(doc)
        self._put(item)
        return item

    def _put(self, item: Prepared) -> None:
        with self._lock:
            self._last_good.pop(item.path, None)
            current = self._items.get(item.path)
            if current is not None and current.generation > item.generation:
                return
            self._items[item.path] = item
            self._items.move_to_end(item.path)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def drop(self, paths: list[str]) -> None:
        """Forget documents this process just rewrote; the next request reads them anew."""
        with self._lock:
            for p in paths:
                old = self._items.pop(p, None)
                if old is not None:
                    self._last_good[p] = old
            while len(self._last_good) > self.max_entries:
                self._last_good.popitem(last=False)

    def last_good(self, path: str) -> Prepared | None:
        """The document served before the latest drop, for when the archive is down."""
        return self._last_good.get(path)

    def refresh(self) -> int:
        """Pick up documents any process wrote since we last looked; return how many."""
        with self.store.read() as conn:
            latest = docs.latest_generation(conn)
            if latest <= self.generation:
                return 0
            changed = docs.changed_since(conn, self.generation)
            stale = [path for path, _ in changed if path in self._items]
            fresh = [d for d in (docs.get(conn, p) for p in stale) if d is not None]
        for doc in fresh:
            self._put(prepare(doc))
        self.generation = max([latest, *(g for _, g in changed)])
        return len(fresh)
