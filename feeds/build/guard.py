"""The publish guard: refuse a rebuild that would drop many items for no known reason.

An upstream that suddenly sends nothing, or re-labels every story, or a bug in a query,
must not empty a feed subscribers rely on. A current document may lose items when they are
withdrawn, pruned by retention, cut by the byte budget, excluded by rights, or moved onto a
newly published history page; any other loss above `publish_guard_share` of the items the
last good document held keeps that document (and the feed's other documents) as they are,
and is reported in the log, the `events` table (shown on /status) and a metric.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree
from sqlalchemy.engine import Connection

from feeds.archive import documents as docs
from feeds.archive import events, losses
from feeds.archive.documents import Document
from feeds.build.compose import Rendered, render_feed
from feeds.metrics import GUARD_REFUSALS
from feeds.site import Site

log = logging.getLogger(__name__)

EVENT_KIND = "publish-guard"
# A feed this small losing a couple of items is ordinary churn, not a collapse.
MIN_ITEMS = 5


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a rebuild of one feed was not published."""

    feed: str
    path: str
    before: int
    after: int
    explained: int

    @property
    def message(self) -> str:
        """A sentence an operator can act on."""
        return (
            f"held back a drop in {self.path}: the rebuild would take it from {self.before} to "
            f"{self.after} items, {self.before - self.after - self.explained} of them not "
            "explained by withdrawals, retention, rights, archiving or the byte budget "
            "(an empty or re-labelled upstream, or a bug?); its items stay listed and new "
            "arrivals are still published until `newsfeeds build --force` accepts the drop"
        )


def check(
    conn: Connection,
    feed: str,
    current: Sequence[Document],
    *,
    available: int,
    explained: int,
    share: float,
    current_days: int,
    full: int | None = None,
) -> Refusal | None:
    """The first current document whose unexplained loss exceeds the share, if any.

    `available` is how many articles the documents were offered, `explained` how many left
    them for a known reason besides withdrawals and pruning (rights, archiving). A document
    still holding `full` items (the configured `feeds.items`) is never refused: a feed at
    its normal size is no collapse, even right after an operator lowered `feeds.items`.
    """
    shrunk = [d for d in current if full is None or d.item_count < full]
    states = losses.document_states(conn, [d.path for d in shrunk])
    for doc in shrunk:
        previous = states.get(doc.path)
        if previous is None:
            continue
        before, since = previous
        dropped = before - doc.item_count
        if before < MIN_ITEMS or dropped <= 0:
            continue
        known = (
            explained
            + max(0, available - doc.item_count)  # the byte budget
            + losses.withdrawn_since(conn, feed, since)
            + losses.pruned_since(conn, since)
            # aged out since then: published at most current_days before that change
            + losses.aged_since(conn, feed, since - timedelta(days=current_days))
        )
        if dropped - known > share * before:
            return Refusal(feed, doc.path, before, doc.item_count, min(known, dropped))
    return None


def refuse(conn: Connection, refusal: Refusal, now: datetime) -> None:
    """Report a refusal: log, an events row (in the caller's transaction), a metric."""
    log.warning("publish guard: feed %s: %s", refusal.feed, refusal.message)
    events.record(conn, events.Event(now, EVENT_KIND, refusal.feed, refusal.message))
    GUARD_REFUSALS.inc()


_ATOM = "{http://www.w3.org/2005/Atom}"


def listed_guids(doc: Document) -> list[str]:
    """The guids of the items a stored document lists, read back from its bytes."""
    if doc.path.endswith(".json"):
        return [str(item["id"]) for item in json.loads(doc.body).get("items", [])]
    root = etree.fromstring(doc.body, etree.XMLParser(resolve_entities=False, no_network=True))
    if doc.path.endswith(".atom"):
        return [str(e.findtext(f"{_ATOM}id")) for e in root.iter(f"{_ATOM}entry")]
    return [str(i.findtext("guid")) for i in root.iter("item")]


def verdict(conn: Connection, site: Site, rendered: Rendered) -> Refusal | None:
    """The guard's verdict on a fresh rendering: a refusal, or None to publish it."""
    return check(
        conn,
        rendered.feed,
        rendered.current,
        available=rendered.available,
        explained=rendered.explained,
        share=site.publish_guard_share,
        current_days=site.current_days,
        full=site.items,
    )


def hold_back(
    conn: Connection, site: Site, rendered: Rendered, refusal: Refusal, now: datetime
) -> Rendered | None:
    """The feed rendered again with the items the refused drop would lose kept in, when
    something new arrived (held back are only the drop, never new arrivals); else None."""
    last_good = docs.get(conn, refusal.path)
    fresh = next((d for d in rendered.current if d.path == refusal.path), None)
    if last_good is None or fresh is None:
        return None
    listed = listed_guids(last_good)
    if not set(listed_guids(fresh)) - set(listed):
        return None
    cutoff = now - timedelta(days=site.current_days)
    held = losses.live_by_guid(conn, listed, cutoff)
    return render_feed(conn, site, rendered.feed, now, held=held) if held else None
