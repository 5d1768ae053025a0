"""The jobs that are not polling, run by every long-running process, each once across them.

Rebuild tick, embargo release and lease recovery take a run claim in the archive
(`leases.claim_run`), so of several processes exactly one runs each per period; retention
takes its own claim (hourly by default); WebSub delivery leases each ping, so several
processes may look for due pings at once and each ping is still sent once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from feeds.archive import leases
from feeds.archive.engine import Store
from feeds.metrics import JOB_LAST_SUCCESS
from scheduler import jobs
from scheduler.clock import utcnow

log = logging.getLogger(__name__)

# the bounded label set of newsfeeds_job_last_success_seconds{job}
JOB_NAMES = ("rebuild-tick", "websub", "cdn", "retention", "embargo", "lease-recovery")


@dataclass(frozen=True, slots=True)
class Periodic:
    """One non-polling job: how often it ticks and what it does."""

    name: str
    every: float  # seconds between runs, across every process sharing the archive
    work: Callable[[], object]  # returns False when another process ran it this period
    claimed: bool = True  # False: the work takes its own claim or leases
    due: Callable[[], bool] | None = None  # a cheap read: is there anything to do?


def tick(store: Store, job: Periodic) -> bool:
    """Run the job if it is this process's turn; record when it last succeeded."""
    try:
        if job.due is not None and not job.due():
            return _succeeded(job)  # looked and found nothing to do: the job is alive
        if job.claimed and not _claim(store, job):
            return False
        if job.work() is False:
            return False
    except Exception:  # job boundary: log it; the next tick tries again
        log.exception("job %s failed", job.name)
        return False
    return _succeeded(job)


def _claim(store: Store, job: Periodic) -> bool:
    with store.begin() as conn:
        return leases.claim_run(conn, f"job:{job.name}", utcnow(), job.every)


def _succeeded(job: Periodic) -> bool:
    JOB_LAST_SUCCESS.labels(job.name).set(utcnow().timestamp())
    return True


def has_dirty(store: Store) -> bool:
    """Whether any feed waits for a rebuild."""
    return jobs.pending_rebuilds(store) > 0


def embargo_due(store: Store) -> bool:
    """Whether an embargo's time has come."""
    when = jobs.next_embargo(store)
    return when is not None and when <= utcnow()


def release_embargoes(store: Store, rebuild: Callable[[], None]) -> None:
    """Make live the embargoed articles whose time has come, and ask for their rebuild."""
    if jobs.release_embargoes(store, utcnow()):
        rebuild()


def schedule(scheduler: BaseScheduler, store: Store, jobs: list[Periodic]) -> None:
    """Add each job, ticking at least once a minute (its claim keeps its own period)."""
    now = utcnow()
    for job in jobs:
        every = min(job.every, 60.0)
        # a first tick soon after start (pings and embargoes left waiting); retention,
        # the heavy one, waits one tick so start-up is not slowed by it
        first = every if job.name == "retention" else 1.0
        scheduler.add_job(
            tick,
            IntervalTrigger(seconds=every),
            args=[store, job],
            id=job.name,
            max_instances=1,
            coalesce=True,
            next_run_time=now + timedelta(seconds=first),
        )
