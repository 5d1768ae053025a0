"""The running service: archive, scheduler, rebuilder and HTTP server in one process."""

from __future__ import annotations

import functools
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import exc as sa_exc

from feeds.archive import availability, open_store, source_state
from feeds.archive.engine import Store
from feeds.build import publish, websub
from feeds.http.app import App
from feeds.metrics import DOCUMENTS_CHANGED
from scheduler import housekeeping, jobs, publishing, rebuilder, serving
from scheduler.clock import utcnow
from scheduler.config import Config
from scheduler.housekeeping import Periodic
from scheduler.jobs import integrity, recovery, retention
from scheduler.jobs.partners import Distribution
from scheduler.lanes import Lanes, lane_of
from scheduler.rebuilder import Rebuilder
from sources import kinds
from sources.model.spec import SourceSpec

log = logging.getLogger(__name__)


def seed_sources(cfg: Config) -> None:
    """Prepare every source before its first poll (a drop folder gets its bundled samples)."""
    for spec in cfg.sources:
        kinds.seed(spec)


class Service:
    """Owns the archive and every moving part; `run` blocks until SIGINT/SIGTERM."""

    def __init__(self, cfg: Config, *, store: Store | None = None, init: bool = False) -> None:
        self.cfg = cfg
        self.store = store or open_store(cfg.store_url, init=init, settings=cfg.store)
        self.site = cfg.site
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.poll_settings = jobs.PollSettings(
            fetch=cfg.fetch,
            rules=cfg.intake,
            owner=self.owner,
            lease_seconds=float(cfg.scheduler.lease_seconds),
            early_tolerance_seconds=max(1.0, float(cfg.scheduler.jitter_seconds) + 1.0),
        )
        self.retention = cfg.retention
        self.distribution = Distribution(
            self.store, self.site, cfg.sitemaps, cfg.partners, cfg.fetch
        )
        self.app: App | None = None
        self.outputs = publishing.Outputs(cfg, self.store)  # docroot files, CDN purges
        self.rebuilder = Rebuilder(self.rebuild)
        # polls run in per-host lanes (8 workers, 4 for slow hosts); scheduler jobs queue them
        self.lanes = Lanes(workers=8, slow_workers=4)
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=4)}, timezone=UTC
        )

    def poll(
        self, spec: SourceSpec, *, force: bool = False, on_demand: bool = False
    ) -> jobs.PollOutcome:
        """Poll one source; queue a rebuild when it changed anything."""
        try:
            outcome = jobs.poll(
                self.store, spec, self.poll_settings, utcnow, force=force, on_demand=on_demand
            )
        except sa_exc.DBAPIError as exc:  # the archive, not the source: retried next interval
            why = f"the archive failed: {availability.describe(exc)}"
            log.error("source %s: not polled: %s", spec.id, why, extra={"source": spec.id})
            return jobs.PollOutcome(spec.id, "failed", error=why)
        if outcome.feeds:
            self.rebuilder.request()
        return outcome

    def rebuild(
        self, *, force: bool = False, on_feed: Callable[[str], None] | None = None
    ) -> publish.RebuildReport:
        """Rebuild every dirty feed (this process's share of them); `force` overrides the guard."""
        if self.store.corruption is not None:
            return publish.RebuildReport()  # writes are refused: keep serving what is stored
        jobs.release_embargoes(self.store, utcnow())
        report = publish.rebuild_dirty(
            self.store,
            self.site,
            owner=self.owner,
            now=utcnow,
            on_change=self._changed,
            force=force,
            on_feed=on_feed,
        )
        self._dropped(self.distribution.after_rebuild(report.rebuilt, utcnow()))
        self.outputs.files(pages=True)
        rebuilder.record(report)
        return report

    def start_feeds(self) -> None:
        """Queue a first, empty build of every configured feed the archive has never had."""
        started = publish.start_feeds(self.store, self.cfg.configured_feeds())
        if started:
            log.info("feeds created empty, ahead of their first article: %s", ", ".join(started))

    def prune(self) -> retention.RetentionReport:
        """Apply retention (at most once an hour across every process sharing the archive)."""
        report = retention.run(self.store, self.retention, utcnow())
        if report.feeds:
            self.rebuilder.request()
        return report

    def _changed(self, paths: list[str]) -> None:
        self._dropped(paths)
        self.outputs.files(pages=False)
        if self.outputs.cdn is not None:  # the pings wait for the purge
            self.scheduler.add_job(self.deliver_purges, id="cdn-now", replace_existing=True)
        elif self.site.hubs:
            self.scheduler.add_job(self.deliver_pings, id="websub-now", replace_existing=True)

    def _dropped(self, paths: list[str]) -> None:
        """Documents this process rewrote: counted, and read anew on their next request."""
        DOCUMENTS_CHANGED.inc(len(paths))
        if self.app is not None:
            self.app.cache.drop(paths)

    def deliver_pings(self) -> None:
        """Send due WebSub pings."""
        websub.deliver(
            self.store, owner=self.owner, now=utcnow(), user_agent=self.cfg.fetch.user_agent
        )

    def deliver_purges(self) -> None:
        """Send due CDN purges; the pings they release go once settled."""
        due = self.outputs.purge(self.owner, self.cfg.fetch.user_agent, utcnow())
        if due is not None and self.site.hubs and self.scheduler.running:
            self.scheduler.add_job(self.deliver_pings, DateTrigger(run_date=max(due, utcnow())))

    def periodic_jobs(self) -> list[Periodic]:
        """The jobs that are not polling, as every long-running process runs them."""
        store, request = self.store, self.rebuilder.request
        every = self.retention.every_seconds
        return [
            # other processes' dirty marks and failed rebuilds are picked up here
            Periodic("rebuild-tick", 5, request, due=lambda: housekeeping.has_dirty(store)),
            Periodic("websub", 10, self.deliver_pings, claimed=False),
            # purges are leased one by one, like pings
            Periodic("cdn", 10, self.deliver_purges, claimed=False),
            # retention.run takes its own claim, once per retention period
            Periodic("retention", every, lambda: self.prune().ran, claimed=False),
            Periodic(
                "embargo",
                1,
                lambda: housekeeping.release_embargoes(store, request),
                due=lambda: housekeeping.embargo_due(store),
            ),
            Periodic("lease-recovery", 60, lambda: recovery.free_dead_leases(store, self.owner)),
            *self.distribution.periodic(self._dropped),
        ]

    def schedule(self) -> None:
        """One poll job per source, resuming at each source's stored next-due time."""
        now = utcnow()
        with self.store.read() as conn:
            states = source_state.by_id(conn)
        for spec in self.cfg.sources:
            state = states.get(spec.id)
            first = state.next_due if state and state.next_due and state.next_due > now else now
            self.scheduler.add_job(
                self.lanes.submit,
                IntervalTrigger(
                    seconds=spec.interval_seconds,
                    jitter=self.cfg.scheduler.jitter_seconds or None,
                    start_date=first,
                ),
                args=[lane_of(spec), spec.id, functools.partial(self.poll, spec)],
                id=f"poll:{spec.id}",
                name=f"poll {spec.id}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=spec.interval_seconds,
                next_run_time=first,
            )
        self.schedule_jobs()

    def schedule_jobs(self) -> None:
        """Every non-polling job; claims in the archive decide which process runs each."""
        housekeeping.schedule(self.scheduler, self.store, self.periodic_jobs())

    def finish_one_shot(self) -> None:
        """Before a one-shot command exits: retention if due, rebuild, the pings it caused."""
        self.prune()
        self.rebuild()  # releases due embargoes first
        self.deliver_purges()  # the purges the changes queued: their pings wait for them
        self.deliver_pings()  # the pings the changes queued, and retries now due

    def run(self, *, serve: bool = True, poll: bool = True) -> None:
        """Start everything and block until SIGINT/SIGTERM; then stop cleanly."""
        seed_sources(self.cfg)
        recovery.free_dead_leases(self.store, self.owner)
        self.start_feeds()
        self.app = self.make_app()
        self.rebuilder.start()
        self.rebuilder.request()
        self.outputs.start()
        integrity.check_in_background(self.store)
        self.start_background(poll=poll)
        try:
            if serve and self.cfg.workers > 1:
                serving.serve_workers(self.cfg)
            elif serve:
                serving.serve_here(self.cfg, self.app)
            else:
                serving.wait_for_signal()
        finally:
            log.info("shutting down: finishing work in flight")
            self.outputs.close()
            if self.scheduler.running:
                self.scheduler.shutdown(wait=True)
            self.lanes.close()
            self.rebuilder.stop()
            self.store.dispose()

    def start_background(self, *, poll: bool = True) -> None:
        """Start the scheduler: the non-polling jobs in every mode, the polls when `poll`."""
        self.schedule() if poll else self.schedule_jobs()
        self.scheduler.start()

    def make_app(self, clock: Callable[[], float] = time.time) -> App:
        """The ASGI application for this service, with the push API mounted."""
        return serving.build_app(self.cfg, self.store, on_push=self.rebuilder.request, clock=clock)
