"""What /status and /status.json show, read from the archive as JSON-able rows."""

from __future__ import annotations

from datetime import datetime, timedelta

from feeds.archive import events, freshness, pings, purges, source_state
from feeds.archive.engine import Store
from feeds.build import guard
from feeds.redact import redact
from sources.model.state import SourceState

HOURS = 24


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def state_of(s: SourceState | None) -> str:
    """A source's health in one word: ok, failing, retired or unpolled."""
    if s is None or (s.last_attempt is None and not s.retired):
        return "unpolled"
    if s.retired:
        return "retired"
    return "failing" if s.consecutive_failures or not s.last_success else "ok"


def status_rows(
    store: Store, configured: list[tuple[str, str, str]], now: datetime | None = None
) -> list[dict[str, object]]:
    """Health of every configured source, as plain JSON-able rows, secrets redacted."""
    with store.read() as conn:
        states = source_state.by_id(conn)
        newest = freshness.newest_by_source(conn)
        seen = freshness.seen_per_hour(conn, now, HOURS) if now else {}
    rows: list[dict[str, object]] = []
    for sid, kind, url in configured:
        s = states.get(sid)
        state = state_of(s)
        rows.append(
            {
                "id": sid,
                "kind": kind,
                "url": redact(s.url if s else url),
                "last_attempt": _iso(s.last_attempt) if s else None,
                "last_success": _iso(s.last_success) if s else None,
                "last_error": redact(s.last_error) if s and s.last_error else None,
                "consecutive_failures": s.consecutive_failures if s else 0,
                "next_due": _iso(s.next_due) if s else None,
                "retired": s.retired if s else False,
                "healthy": state == "ok",
                "state": state,
                # the archive keeps no per-poll history: the last success bounds the failure
                "failing_since": _iso(s.last_success) if s and state == "failing" else None,
                "newest_article": _iso(newest.get(sid)),
                "seen_per_hour": seen.get(sid, [0] * HOURS) if now else [],
            }
        )
    return rows


def refusal_rows(store: Store, limit: int = 20) -> list[dict[str, object]]:
    """The newest publish-guard refusals (feeds kept at their last good document)."""
    with store.read() as conn:
        found = events.recent(conn, guard.EVENT_KIND, limit)
    return [{"at": _iso(e.at), "feed": e.subject, "message": e.message} for e in found]


def held_feeds(refusals: list[dict[str, object]], now: datetime) -> list[dict[str, object]]:
    """Feeds the guard refused within the last day, each with its newest refusal."""
    cutoff = (now - timedelta(hours=HOURS)).isoformat()
    newest: dict[str, dict[str, object]] = {}
    for r in refusals:  # newest first, so the first seen per feed is its newest
        if str(r["at"]) >= cutoff:
            newest.setdefault(str(r["feed"]), r)
    return list(newest.values())


def queue_sizes(store: Store) -> dict[str, int]:
    """How many WebSub pings and CDN purges wait to be sent."""
    with store.read() as conn:
        return {"websub": pings.waiting(conn), "purge": purges.waiting(conn)}
