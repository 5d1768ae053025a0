"""Counting on the hot path: plain dict updates per request, drained into a Batch to flush."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from feeds.archive.readers import Batch
from feeds.readers.recognize import Consumer, Recognizer

Clock = Callable[[], float]
_AGENTS_MAX = 4096  # distinct User-Agent values remembered; clients send few
_UNITS_MAX = 1000  # feed ids remembered per feed and family between flushes: a UA is made up


class Tally:
    """Per feed × family × hour: requests, 200/304/other, bytes; subscribers; pickups."""

    def __init__(self, recognizer: Recognizer, clock: Clock = time.time) -> None:
        self.recognizer = recognizer
        self.clock = clock
        self._hits: dict[tuple[str, str, int], list[int]] = {}
        self._subs: dict[tuple[str, str, str], tuple[int, int, float]] = {}
        self._units: dict[tuple[str, str], int] = {}
        self._picks: dict[tuple[str, str, float], float] = {}
        # when this process first saw each family poll each feed: a change before that is
        # no pickup of ours to time (a new subscriber's first fetch is not a story's pickup)
        self._since: dict[tuple[str, str], float] = {}
        self._who: dict[bytes, Consumer] = {}

    def consumer(self, user_agent: bytes | None) -> Consumer:
        """Who sent this User-Agent (remembered per distinct header value)."""
        raw = user_agent or b""
        who = self._who.get(raw)
        if who is None:
            if len(self._who) >= _AGENTS_MAX:
                self._who.clear()
            who = self._who[raw] = self.recognizer(raw.decode("latin-1"))
        return who

    def count(
        self, feed: str, who: Consumer, status: int, sent: int, changed_at: datetime | None
    ) -> None:
        """Count one answered request of a feed document."""
        now = self.clock()
        family = who.family
        key = (feed, family, int(now // 3600))
        row = self._hits.get(key)
        if row is None:
            row = self._hits[key] = [0, 0, 0, 0, 0]
        row[0] += 1
        row[4] += sent
        if status == 200:
            row[1] += 1
            if changed_at is not None:
                self._pickup(feed, family, changed_at.timestamp(), now)
        elif status == 304:
            row[2] += 1
        else:
            row[3] += 1
        if who.subscribers is not None and who.kind != "crawler":
            self._subscribers(feed, who, key[2], now)
        seen = (feed, family)
        if seen not in self._since:
            self._since[seen] = now

    def _pickup(self, feed: str, family: str, changed: float, now: float) -> None:
        since = self._since.get((feed, family))
        if since is not None and since <= changed:
            self._picks.setdefault((feed, family, changed), now)

    def _subscribers(self, feed: str, who: Consumer, hour: int, now: float) -> None:
        key = (feed, who.family, who.feed_id or "")
        if key not in self._subs:
            units = self._units.get(key[:2], 0)
            if units >= _UNITS_MAX:
                return
            self._units[key[:2]] = units + 1
        self._subs[key] = (hour, who.subscribers or 0, now)

    def drain(self) -> tuple[Batch, dict[tuple[str, str], int]]:
        """Everything counted since the last drain as rows, and requests by (family, status)."""
        hits, self._hits = self._hits, {}
        subs, self._subs = self._subs, {}
        picks, self._picks = self._picks, {}
        self._units = {}
        totals: dict[tuple[str, str], int] = {}
        for (_feed, family, _hour), row in hits.items():
            for status, n in (("200", row[1]), ("304", row[2]), ("other", row[3])):
                if n:
                    totals[(family, status)] = totals.get((family, status), 0) + n
        batch = Batch(
            hits=[_hit_row(k, v) for k, v in hits.items()],
            subscribers=[_sub_row(k, v) for k, v in subs.items()],
            pickups=[
                {"feed": f, "family": fam, "changed_at": _utc(c), "first_fetch_at": _utc(at)}
                for (f, fam, c), at in picks.items()
            ],
        )
        return batch, totals


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _hit_row(key: tuple[str, str, int], row: list[int]) -> dict[str, object]:
    feed, family, hour = key
    names = ("requests", "ok", "not_modified", "other", "bytes")
    return {
        "feed": feed,
        "family": family,
        "hour": _utc(hour * 3600.0),
        **dict(zip(names, row, strict=True)),
    }


def _sub_row(key: tuple[str, str, str], value: tuple[int, int, float]) -> dict[str, object]:
    feed, family, unit = key
    hour, count, at = value
    return {
        "feed": feed,
        "family": family,
        "unit": unit,
        "hour": _utc(hour * 3600.0),
        "subscribers": count,
        "seen_at": _utc(at),
    }
