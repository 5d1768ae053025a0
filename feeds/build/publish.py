"""Rebuild feeds: render them (feeds/build/compose.py) and store only what changed.

The publish guard: feeds/build/guard.py. Leases and the dirty queue: feeds/archive/queue.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from feeds import crashpoints
from feeds.archive import forcing, history_changes, queue
from feeds.archive.engine import Store
from feeds.build import guard
from feeds.build.compose import Rendered, render_feed, render_pages
from feeds.build.storing import batches, store_changed
from feeds.site import Site

log = logging.getLogger(__name__)
T = TypeVar("T")

PAGES_PER_WRITE = 4  # history pages rendered per snapshot and stored per write transaction


@dataclass(slots=True)
class RebuildReport:
    """What a rebuild pass did."""

    feeds: int = 0
    changed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)
    rebuilt: set[str] = field(default_factory=set)  # the feeds rebuilt (partners follow them)


def rebuild_one(
    store: Store,
    site: Site,
    feed: str,
    owner: str,
    seq: int,
    now: datetime,
    *,
    force: bool = False,
    lease: tuple[Callable[[], datetime], float] | None = None,
) -> list[str]:
    """Rebuild one leased feed: render from snapshots, store in short write transactions.

    No write lock is held while rendering, so several processes render at once on SQLite
    too. Stale history pages are rendered and stored a few at a time (a first build of
    "latest" has thousands, too many to hold); the current documents, the built mark and
    the lease's release are stored together last. A writer that changed the feed meanwhile
    bumped its dirty mark, so the feed stays dirty and the next pass renders it again; a
    crash leaves it dirty with its last good current documents. `lease` (clock, seconds)
    keeps this owner's leases alive while a long feed's pages are written.
    Unless forced, the publish guard may keep the last good documents (feeds/build/guard.py).
    """
    with store.snapshot() as conn:
        rendered = render_feed(conn, site, feed, now)
        forced = force or forcing.is_forced(conn, feed, seq)
        refusal = None if forced else guard.verdict(conn, site, rendered)
        held = None if refusal is None else guard.hold_back(conn, site, rendered, refusal, now)
    crashpoints.reach("mid-render")
    if refusal is not None and held is None:
        with store.begin() as conn:  # nothing new arrived: the last good documents stay
            guard.refuse(conn, refusal, now)
            queue.finish(conn, feed, owner, seq)
        return []
    rendered = held or rendered
    on_pages = _store_stale_pages(store, site, rendered, owner, now, lease)
    with store.begin(derived=True) as conn:
        changed = store_changed(conn, site, rendered.current, now)
        history_changes.record_built(conn, feed, rendered.built, rendered.seen)
        if refusal is not None:
            guard.refuse(conn, refusal, now)
        if forced:
            forcing.honoured(conn, feed, seq)
        queue.finish(conn, feed, owner, seq)
        crashpoints.reach("before-document-commit")
    return changed + on_pages  # current documents first, as subscribers see them


def _store_stale_pages(
    store: Store,
    site: Site,
    rendered: Rendered,
    owner: str,
    now: datetime,
    lease: tuple[Callable[[], datetime], float] | None,
) -> list[str]:
    """Render and store a feed's stale history pages a few at a time; the paths that changed."""
    changed: list[str] = []
    feed = rendered.feed
    # newest first: a page's next-archive link then always names a page already stored,
    # so a reader walking the chain from what is served never meets a missing page (new
    # pages become reachable only through the previous newest, rewritten after them)
    for numbers in batches(sorted(rendered.stale, reverse=True), PAGES_PER_WRITE):
        assert rendered.built is not None, "only feeds with history pages have stale pages"
        with store.snapshot() as conn:
            pages = render_pages(conn, site, feed, numbers, rendered.built, now)
        with store.begin(derived=True) as conn:
            changed += store_changed(conn, site, pages, now)
            if lease is not None:
                clock, seconds = lease
                queue.extend_lease(conn, feed, owner, clock() + timedelta(seconds=seconds))
    return changed


def rebuild_dirty(
    store: Store,
    site: Site,
    *,
    owner: str,
    now: Callable[[], datetime],
    on_change: Callable[[list[str]], None] | None = None,
    lease_seconds: float = 120.0,
    force: bool = False,
    on_feed: Callable[[str], None] | None = None,
) -> RebuildReport:
    """Rebuild every feed marked dirty (leased, so several processes share the work).

    `force` skips the publish guard, for an operator who confirmed a large drop is right.
    A feed whose rebuild fails keeps its last good documents and stays dirty; the others
    go on (it is retried at the next pass, not in a loop within this one). Feeds are
    leased one at a time, just before their rebuild, so a lease is only ever held by the
    work in progress, and processes sharing the archive share the queue feed by feed.
    """
    started = time.perf_counter()
    report = RebuildReport()
    failed: set[str] = set()
    while True:
        with store.begin() as conn:
            claimed = queue.claim_dirty(conn, owner, now(), lease_seconds, limit=1, skip=failed)
        if not claimed:
            break
        ((feed, seq),) = claimed
        try:
            changed = rebuild_one(
                store, site, feed, owner, seq, now(), force=force, lease=(now, lease_seconds)
            )
        except Exception:  # one broken feed must not hold back every other feed
            log.exception("rebuild of feed %s failed; its last good documents stay", feed)
            failed.add(feed)
            _give_back(store, feed, owner, lease_seconds)
            continue
        report.feeds += 1
        report.rebuilt.add(feed)
        report.changed.extend(changed)
        if on_feed is not None:
            on_feed(feed)
        if changed and on_change is not None:
            on_change(changed)
    report.failed = sorted(failed)
    report.seconds = time.perf_counter() - started
    return report


def _give_back(store: Store, feed: str, owner: str, lease_seconds: float) -> None:
    """Release a failed rebuild's lease; if even that fails (a full disk), it expires."""
    try:
        with store.begin() as conn:
            queue.release(conn, feed, owner)
    except Exception:  # the failure that stopped the rebuild may stop this write too
        log.warning(
            "could not release the lease of feed %s; it expires within %.0f s",
            feed,
            lease_seconds,
            exc_info=True,
        )


def start_feeds(store: Store, names: Iterable[str]) -> list[str]:
    """Queue the configured feeds the archive has never had, so each gets a valid, empty
    document from the start: a reader can subscribe to a section before its first article."""
    with store.begin() as conn:
        missing = queue.missing_feeds(conn, names)
        queue.mark_dirty(conn, missing)
    return missing


def mark_all(store: Store) -> int:
    """Queue every known feed for a rebuild (`newsfeeds build` with no names)."""
    with store.begin() as conn:
        names = queue.all_feed_names(conn)
        queue.mark_dirty(conn, names)
    return len(names)
