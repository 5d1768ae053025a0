"""A byte budget for large documents in memory at once, so many large feeds stay bounded.

A document is in memory from its download until it is parsed, and feedparser keeps its
entries as Python objects of about three times its size: eight large feeds fetched and
parsed together took hundreds of MB. A poll reserves its document's size (all of the
budget, for a document larger than it) from the moment the size is known, and waits for
room: small feeds still go side by side, large ones take turns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class ByteBudget:
    """At most `total` bytes reserved at once; one reservation may always take all of it."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._used = 0
        self._room = threading.Condition()
        self.peak = 0  # the most ever reserved at once (for tests and reports)

    def _take(self, share: int) -> None:
        with self._room:
            self._room.wait_for(lambda: self._used + share <= self.total)
            self._used += share
            self.peak = max(self.peak, self._used)

    def _give(self, share: int) -> None:
        with self._room:
            self._used -= share
            self._room.notify_all()

    @contextmanager
    def reservation(self) -> Iterator[Reservation]:
        """A reservation that grows as sizes become known; all of it is given back after."""
        held = Reservation(self)
        try:
            yield held
        finally:
            self._give(held.share)


class Reservation:
    """What one poll holds of a budget."""

    def __init__(self, budget: ByteBudget) -> None:
        self._budget = budget
        self.share = 0

    def grow(self, size: int) -> float:
        """Hold at least `size` bytes (capped at the total); the seconds spent waiting."""
        wanted = max(0, min(size, self._budget.total)) - self.share
        if wanted <= 0:
            return 0.0
        began = time.monotonic()
        self._budget._take(wanted)
        self.share += wanted
        return time.monotonic() - began


_budgets: dict[int, ByteBudget] = {}
_lock = threading.Lock()


def for_documents(max_bytes: int) -> ByteBudget:
    """The process-wide budget for documents of up to `max_bytes`: one of that size at once."""
    with _lock:
        return _budgets.setdefault(max_bytes, ByteBudget(max_bytes))
