"""Analytics in a serving process: the settings, and the parts built from them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from feeds.archive.engine import Store
from feeds.readers import report
from feeds.readers.flush import Flusher
from feeds.readers.recognize import Recognizer
from feeds.readers.tally import Clock, Tally
from feeds.readers.throttle import Throttle


@dataclass(frozen=True, slots=True)
class AnalyticsSettings:
    """`[analytics]`, with `[server] forwarded_allow_ips`."""

    enabled: bool = True
    retention_days: int = 90
    access_log: tuple[str, ...] = ()
    throttle: bool = False
    min_poll_seconds: int = 60
    # uvicorn takes X-Forwarded-For from these peers only (its own default: loopback)
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1",)
    flush_seconds: float = 2.0


class Analytics:
    """The counting, throttling and flushing of one process, over one archive and clock."""

    def __init__(self, store: Store, settings: AnalyticsSettings, clock: Clock = time.time):
        self.store, self.settings, self.clock = store, settings, clock
        self.recognizer = Recognizer()
        self.kinds = {r.family: r.kind for r in self.recognizer.rules}
        self.tally = Tally(self.recognizer, clock)
        self.flusher = Flusher(store, self.tally, settings.retention_days)
        self.throttle = Throttle(settings.min_poll_seconds, clock) if settings.throttle else None

    def now(self) -> datetime:
        """The injected clock's now, aware UTC."""
        return datetime.fromtimestamp(self.clock(), UTC)

    def report(self, span: timedelta, feed: str | None = None) -> dict[str, Any]:
        """The readers report of the archive (every process's flushed counts)."""
        return report.build(self.store, self.kinds, now=self.now(), span=span, feed=feed)
