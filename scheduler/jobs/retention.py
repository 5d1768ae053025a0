"""The retention job: age articles out of current feeds, prune the archive, keep markers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from feeds.archive import leases, pruning
from feeds.archive.engine import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """How long articles stay in current feeds and in the archive."""

    current_days: int
    archive_days: int
    every_seconds: float = 3600.0
    batch: int = 500  # articles per transaction: short write locks while the service runs


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What one retention run did (or, on a dry run, would do)."""

    ran: bool
    aged_out: int = 0
    pruned: int = 0
    feeds: frozenset[str] = frozenset()


def run(
    store: Store, settings: RetentionSettings, now: datetime, *, force: bool = False
) -> RetentionReport:
    """Apply retention once, unless another process ran it within the period."""
    with store.begin() as conn:
        claimed = leases.claim_run(conn, "retention", now, 0 if force else settings.every_seconds)
        if not claimed:
            return RetentionReport(ran=False)
        aged = pruning.count_aged(conn, _current_cutoff(settings, now))
        feeds = set(pruning.expire_current(conn, _current_cutoff(settings, now)))
    pruned = 0
    while True:
        # one batch per transaction; markers and deletions commit together
        with store.begin() as conn:
            ids = pruning.prunable(conn, _archive_cutoff(settings, now), settings.batch)
            done = pruning.prune(conn, ids, now)
        pruned += done.articles
        feeds |= done.feeds
        if len(ids) < settings.batch:
            break
    if aged or pruned:
        log.info("retention: %d aged out of current feeds, %d pruned", aged, pruned)
    return RetentionReport(ran=True, aged_out=aged, pruned=pruned, feeds=frozenset(feeds))


def plan(store: Store, settings: RetentionSettings, now: datetime) -> RetentionReport:
    """What `run` would do now, changing nothing (`newsfeeds prune --dry-run`)."""
    with store.read() as conn:
        aged = pruning.count_aged(conn, _current_cutoff(settings, now))
        pruned = pruning.count_prunable(conn, _archive_cutoff(settings, now))
    return RetentionReport(ran=False, aged_out=aged, pruned=pruned)


def _current_cutoff(settings: RetentionSettings, now: datetime) -> datetime:
    return now - timedelta(days=settings.current_days)


def _archive_cutoff(settings: RetentionSettings, now: datetime) -> datetime:
    # never prune what current feeds may still carry
    return now - timedelta(days=max(settings.archive_days, settings.current_days))
