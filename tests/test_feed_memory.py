"""Large feeds polled at once take turns in memory: one near-max_bytes document at a time.

Issue 17, case 8: eight large feeds polled at once peaked at 525 MB, every document being
downloaded and parsed at the same time. The soak's `heavy` phase measures the memory; this
test counts how many large documents were being parsed at once.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from soak import heavy
from sources.errors import FetchError
from sources.kinds import feed
from sources.kinds.base import CollectContext
from sources.model.spec import FetchSettings, SourceSpec
from sources.model.state import SourceState
from sources.net import budget

FEEDS = 4
MAX_BYTES = 2_500_000
FEED_BYTES = 2_000_000  # one fits in the budget of MAX_BYTES, two do not
# a deadline shorter than the turns the four take: waiting for room must not count against it
SETTINGS = FetchSettings(max_bytes=MAX_BYTES, host_gap_seconds=0.0, deadline_seconds=2.0)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


class Overlap:
    """Counts parses under way at once; each waits a moment for the others to join it."""

    def __init__(self) -> None:
        self.active = self.most = 0
        self.changed = threading.Condition()

    def around(self, real: Any) -> Any:
        def probe(*args: Any, **kwargs: Any) -> Any:
            with self.changed:
                self.active += 1
                self.most = max(self.most, self.active)
                self.changed.notify_all()
                # gives the other polls every chance to parse beside this one
                self.changed.wait_for(lambda: self.active == FEEDS, timeout=1.0)
            try:
                return real(*args, **kwargs)
            finally:
                with self.changed:
                    self.active -= 1

        return probe


def test_large_feeds_polled_at_once_are_parsed_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    overlap = Overlap()
    monkeypatch.setattr(feed, "parse_feed", overlap.around(feed.parse_feed))
    ctx = CollectContext(now=NOW, fetch=SETTINGS)
    results: list[object] = []

    def poll(k: int, url: str) -> None:
        spec, state = SourceSpec(f"big-{k}", "feed", url, 60, "world"), SourceState(f"big-{k}", url)
        try:
            results.append(len(feed.collect(spec, state, ctx).items))
        except FetchError as exc:
            results.append(str(exc))

    expected = min(SETTINGS.max_entries, heavy.large_feed("big0", FEED_BYTES).count(b"<item>"))
    with heavy.large_upstreams(FEEDS, FEED_BYTES) as urls:
        threads = [threading.Thread(target=poll, args=(k, u)) for k, u in enumerate(urls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert results == [expected] * FEEDS  # every feed was read whole, none cut off
    assert overlap.most == 1  # and no two large documents were in memory at once
    assert budget.for_documents(MAX_BYTES).peak <= MAX_BYTES
