"""Optional throttling of one client that re-downloads a feed it could revalidate."""

from __future__ import annotations

import hashlib
import os

from feeds.readers.recognize import Consumer
from feeds.readers.tally import Clock

_REMEMBERED_MAX = 100_000  # clients × feeds remembered; past it, stale entries are dropped


class Throttle:
    """429 for a consumer polling one feed unconditionally more often than min_poll_seconds.

    A consumer is a family with one client address, never a whole library family; known
    aggregators and crawlers fetch for many and are never throttled. Addresses are kept only
    as salted hashes, in memory.
    """

    def __init__(self, min_poll_seconds: float, clock: Clock) -> None:
        self.min_poll = min_poll_seconds
        self.clock = clock
        self._salt = os.urandom(16)
        self._last: dict[bytes, float] = {}

    def wait(self, who: Consumer, client: str, path: str, *, conditional: bool) -> int | None:
        """Seconds the client must wait, or None to serve it."""
        if who.is_known_aggregator or conditional:
            return None  # a conditional poll costs a 304: nothing to save
        now = self.clock()
        key = hashlib.blake2b(
            f"{who.family}\0{client}\0{path}".encode(), digest_size=12, key=self._salt
        ).digest()
        last = self._last.get(key)
        if last is not None and now - last < self.min_poll:
            return max(1, int(self.min_poll - (now - last) + 0.999))
        if len(self._last) >= _REMEMBERED_MAX:
            self._forget(now)
        self._last[key] = now
        return None

    def _forget(self, now: float) -> None:
        self._last = {k: t for k, t in self._last.items() if now - t < self.min_poll}
