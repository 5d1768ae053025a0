"""Move the in-memory counts into the archive every few seconds; prune past retention."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from feeds.archive import readers as rows
from feeds.archive.engine import Store
from feeds.metrics import FEED_REQUESTS, FEED_SUBSCRIBERS
from feeds.readers.tally import Tally

log = logging.getLogger(__name__)
_PENDING_MAX = 100  # flushes kept while the archive is unreachable (minutes of counts)


class Flusher:
    """Drains a Tally on the event loop; writes the batches in a worker thread."""

    def __init__(self, store: Store, tally: Tally, retention_days: int) -> None:
        self.store, self.tally, self.retention_days = store, tally, retention_days
        self._pending: list[rows.Batch] = []
        # the periodic flush and a /status/readers request may both write: one at a time,
        # or a batch could be added twice
        self._writing = threading.Lock()
        self._pruned_hour = -1
        self._gauged_minute = -1

    def take(self) -> None:
        """Drain the counters (call on the loop thread, where requests count)."""
        batch, totals = self.tally.drain()
        for (family, status), n in totals.items():
            FEED_REQUESTS.labels(family, status).inc(n)
        if not batch.is_empty():
            self._pending.append(batch)
        if len(self._pending) > _PENDING_MAX:
            log.warning("archive unreachable: dropping the oldest reader counts")
            del self._pending[0]

    def store_pending(self) -> None:
        """Write what was taken (in a thread); on failure keep it for the next try."""
        with self._writing:
            while self._pending:
                with self.store.begin() as conn:
                    rows.add_counts(conn, self._pending[0])
                del self._pending[0]
            now = datetime.fromtimestamp(self.tally.clock(), UTC)
            self._prune(now)
            self._gauge(now)

    def _prune(self, now: datetime) -> None:
        hour = int(now.timestamp() // 3600)
        if hour != self._pruned_hour:  # once an hour per process; a delete is idempotent
            with self.store.begin() as conn:
                rows.prune(conn, now - timedelta(days=self.retention_days))
            self._pruned_hour = hour

    def _gauge(self, now: datetime) -> None:
        """Subscribers per family over the last day, from the archive (every process's)."""
        minute = int(now.timestamp() // 60)
        if minute == self._gauged_minute:
            return
        with self.store.read() as conn:
            found = rows.subscribers_since(conn, now - timedelta(days=1))
        for family, total in subscriber_totals(found).items():
            FEED_SUBSCRIBERS.labels(family).set(total)
        self._gauged_minute = minute


def latest_per_unit(found: list[dict[str, object]]) -> dict[tuple[str, str, str], int]:
    """The latest count per (feed, family, unit); rows come oldest first."""
    latest: dict[tuple[str, str, str], int] = {}
    for r in found:
        latest[(str(r["feed"]), str(r["family"]), str(r["unit"]))] = int(str(r["subscribers"]))
    return latest


def subscriber_totals(found: list[dict[str, object]]) -> dict[str, int]:
    """Per family: the sum over feeds and feed ids of the latest reported count."""
    totals: dict[str, int] = {}
    for (_feed, family, _unit), n in latest_per_unit(found).items():
        totals[family] = totals.get(family, 0) + n
    return totals
