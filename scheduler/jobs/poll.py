"""Polling one source: claim it, collect it through its kind, take its items in, record health."""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from feeds import crashpoints, intake
from feeds.archive import source_state
from feeds.archive.engine import Store
from feeds.metrics import ARTICLES, POLLS
from sources import kinds
from sources.kinds.base import CollectContext, Collected
from sources.model.spec import FetchSettings, SourceSpec
from sources.model.state import SourceState
from sources.net import health

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class PollSettings:
    """What a poll needs besides the source itself."""

    fetch: FetchSettings
    rules: intake.IntakeRules
    owner: str
    work_dir: str = "var"
    lease_seconds: float = 300.0
    early_tolerance_seconds: float = 2.0


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll did, for logs, the CLI and tests."""

    source_id: str
    outcome: str  # ok, not-modified, failed, skipped, retired, busy
    new: int = 0
    edited: int = 0
    unchanged: int = 0
    feeds: frozenset[str] = frozenset()
    error: str | None = None
    until: datetime | None = None  # skipped: when the source is next due


def poll(
    store: Store,
    spec: SourceSpec,
    settings: PollSettings,
    now: Clock,
    *,
    force: bool = False,
    on_demand: bool = False,
) -> PollOutcome:
    """Poll one source once, if it is due and no other process holds it.

    `on_demand` (a cron `ingest`) polls ahead of the usual interval but still waits out a
    backoff or a Retry-After; `force` polls even then. A retired source is never polled.
    """
    if store.corruption is not None:  # nothing fetched could be stored: do not fetch
        return PollOutcome(spec.id, "failed", error="the archive is corrupt; writes refused")
    started = now()
    with store.begin() as conn:
        if not source_state.claim(
            conn, spec.id, spec.url, settings.owner, started, settings.lease_seconds
        ):
            return PollOutcome(spec.id, "busy")
        state = source_state.load(conn, spec.id, spec.url)
        early = state.next_due is not None and state.next_due > started + timedelta(
            seconds=settings.early_tolerance_seconds
        )
        waiting = early and not force and (state.consecutive_failures > 0 or not on_demand)
        if state.retired or waiting:
            source_state.release(conn, spec.id, settings.owner)
            if state.retired:
                return PollOutcome(spec.id, "retired")
            return PollOutcome(spec.id, "skipped", until=state.next_due)
    ctx = CollectContext(now=started, fetch=settings.fetch, work_dir=settings.work_dir)
    try:
        crashpoints.reach("mid-fetch")
        collected = kinds.collect(spec, state, ctx)
    except Exception as exc:  # job boundary: record against the source, never stop the others
        return _failed(store, spec, settings, state, exc, started)
    try:
        return _succeeded(store, spec, settings, state, collected, started)
    except Exception as exc:  # job boundary: a bug or a bad item must not stop the others
        log.exception("source %s: storing the poll failed", spec.id, extra={"source": spec.id})
        return _failed(store, spec, settings, state, exc, started)


def _failed(
    store: Store,
    spec: SourceSpec,
    settings: PollSettings,
    state: SourceState,
    exc: Exception,
    now: datetime,
) -> PollOutcome:
    """Record a failed poll: backoff, error text, lease released."""
    new_state = health.after_failure(
        state,
        exc,
        now=now,
        interval_seconds=spec.interval_seconds,
        settings=settings.fetch,
        rng=random.Random(),
    )
    try:
        with store.begin() as conn:
            source_state.save(conn, new_state)
            source_state.release(conn, spec.id, settings.owner)
    except Exception:  # the archive failing too (a full disk): the lease then expires
        log.warning(
            "source %s: could not record the failed poll; its lease expires within %.0f s",
            spec.id,
            settings.lease_seconds,
            exc_info=True,
            extra={"source": spec.id},
        )
    POLLS.labels(spec.id, "failed").inc()
    log.warning(
        "source %s: poll failed: %s", spec.id, new_state.last_error, extra={"source": spec.id}
    )
    return PollOutcome(spec.id, "failed", error=new_state.last_error)


def _succeeded(
    store: Store,
    spec: SourceSpec,
    settings: PollSettings,
    state: SourceState,
    collected: Collected,
    now: datetime,
) -> PollOutcome:
    """Store what a poll brought and the source's new state in one transaction."""
    new_state = health.after_success(
        state, collected, now=now, interval_seconds=spec.interval_seconds, settings=settings.fetch
    )
    if collected.memo is not None:
        new_state = dataclasses.replace(new_state, memo=collected.memo)
    if collected.warning:
        new_state = dataclasses.replace(new_state, last_error=f"warning: {collected.warning}")
    with store.begin() as conn:
        result = intake.take_all(conn, spec, collected.items, settings.rules, now=now)
        crashpoints.reach("before-commit")
        source_state.save(conn, new_state)
        source_state.release(conn, spec.id, settings.owner)
    kinds.after_commit(spec, collected)
    outcome = "not-modified" if collected.not_modified else "ok"
    POLLS.labels(spec.id, outcome).inc()
    ARTICLES.labels("new").inc(result.new)
    ARTICLES.labels("edited").inc(result.edited)
    for reason in result.rejected:
        log.info("source %s: item rejected: %s", spec.id, reason, extra={"source": spec.id})
    log.info(
        "source %s: %s, %d new, %d edited, %d unchanged",
        spec.id,
        outcome,
        result.new,
        result.edited,
        result.unchanged,
        extra={"source": spec.id},
    )
    return PollOutcome(
        spec.id, outcome, result.new, result.edited, result.unchanged, frozenset(result.feeds)
    )
