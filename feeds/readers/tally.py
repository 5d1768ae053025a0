"""Counting on the hot path: one dict lookup and a few list updates per request.

Rows are keyed by (feed, raw User-Agent) — both hash once and keep it — and only turned into
families, hours and subscriber units when drained, off the per-request path.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from feeds.archive.readers import Batch
from feeds.readers.recognize import Consumer, Recognizer

Clock = Callable[[], float]
_AGENTS_MAX = 4096  # distinct User-Agent values remembered; clients send few
_ROWS_MAX = 100_000  # (feed, User-Agent) rows between drains; past it, new agents are "other"


class Row:
    """The counts of one (feed, User-Agent) in one hour."""

    __slots__ = ("hour", "not_modified", "ok", "other", "picked", "requests", "seen", "sent", "who")

    def __init__(self, who: Consumer, now: float) -> None:
        self.who, self.hour, self.seen = who, int(now // 3600), now
        self.requests = self.ok = self.not_modified = self.other = self.sent = 0
        self.picked: float | None = None  # the change time last timed for a pickup


class Tally:
    """Per feed × family × hour: requests, 200/304/other, bytes; subscribers; pickups."""

    def __init__(self, recognizer: Recognizer, clock: Clock = time.time) -> None:
        self.recognizer = recognizer
        self.clock = clock
        self._rows: dict[tuple[str, bytes], Row] = {}
        self._done: list[tuple[str, Row]] = []  # rows of hours already over
        self._hour_end = 0.0
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
        self, feed: str, agent: bytes | None, status: int, sent: int, changed: float | None
    ) -> None:
        """Count one answered request of a feed document (`changed`: its change time)."""
        now = self.clock()
        if now >= self._hour_end:
            self._next_hour(now)
        row = self._rows.get((feed, agent or b""))
        if row is None:
            row = self._new_row(feed, agent or b"", now)
        row.requests += 1
        row.sent += sent
        row.seen = now
        if status == 200:
            row.ok += 1
            if changed is not None and changed != row.picked:
                row.picked = changed
                self._pickup(feed, row.who, changed, now)
        elif status == 304:
            row.not_modified += 1
        else:
            row.other += 1

    def _new_row(self, feed: str, agent: bytes, now: float) -> Row:
        who = self.consumer(agent) if len(self._rows) < _ROWS_MAX else self.consumer(b"")
        row = self._rows[(feed, agent)] = Row(who, now)
        self._since.setdefault((feed, who.family), now)
        return row

    def _next_hour(self, now: float) -> None:
        self._done.extend((feed, row) for (feed, _agent), row in self._rows.items())
        self._rows = {}
        self._hour_end = (int(now // 3600) + 1) * 3600.0

    def _pickup(self, feed: str, who: Consumer, changed: float, now: float) -> None:
        since = self._since.get((feed, who.family))
        if since is not None and since < now and since <= changed:
            self._picks.setdefault((feed, who.family, changed), now)

    def drain(self) -> tuple[Batch, dict[tuple[str, str], int]]:
        """Everything counted since the last drain as rows, and requests by (family, status)."""
        self._next_hour(self.clock())
        done, self._done = self._done, []
        picks, self._picks = self._picks, {}
        hits: dict[tuple[str, str, int], list[int]] = {}
        subs: dict[tuple[str, str, str, int], tuple[int, float]] = {}
        totals: dict[tuple[str, str], int] = {}
        for feed, row in done:
            _add(hits, subs, totals, feed, row)
        batch = Batch(
            hits=[_hit_row(k, v) for k, v in hits.items()],
            subscribers=[_sub_row(k, v) for k, v in subs.items()],
            pickups=[
                {"feed": f, "family": fam, "changed_at": _utc(c), "first_fetch_at": _utc(at)}
                for (f, fam, c), at in picks.items()
            ],
        )
        return batch, totals


def _add(
    hits: dict[tuple[str, str, int], list[int]],
    subs: dict[tuple[str, str, str, int], tuple[int, float]],
    totals: dict[tuple[str, str], int],
    feed: str,
    row: Row,
) -> None:
    """Fold one (feed, User-Agent) row into its family's hour, subscribers and totals."""
    who, hour, seen = row.who, row.hour, row.seen
    counts = [row.requests, row.ok, row.not_modified, row.other, row.sent]
    total = hits.setdefault((feed, who.family, hour), [0, 0, 0, 0, 0])
    for i, n in enumerate(counts):
        total[i] += n
    for status, n in (("200", counts[1]), ("304", counts[2]), ("other", counts[3])):
        if n:
            totals[(who.family, status)] = totals.get((who.family, status), 0) + n
    if who.subscribers is not None and who.kind != "crawler":
        key = (feed, who.family, who.feed_id or "", hour)
        if key not in subs or subs[key][1] <= seen:
            subs[key] = (who.subscribers, seen)


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


def _sub_row(key: tuple[str, str, str, int], value: tuple[int, float]) -> dict[str, object]:
    feed, family, unit, hour = key
    count, at = value
    return {
        "feed": feed,
        "family": family,
        "unit": unit,
        "hour": _utc(hour * 3600.0),
        "subscribers": count,
        "seen_at": _utc(at),
    }
