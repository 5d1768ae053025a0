"""The running service: archive, scheduler, rebuilder and HTTP server in one process."""

from __future__ import annotations

import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import exc as sa_exc

from feeds.archive import availability, open_store, source_state
from feeds.archive.engine import Store
from feeds.build import cdn, publish, websub
from feeds.http.app import App
from feeds.metrics import DOCUMENTS_CHANGED, REBUILD_SECONDS, REBUILDS
from scheduler import jobs, publishing, serving
from scheduler.clock import utcnow
from scheduler.config import Config
from scheduler.jobs import integrity, recovery, retention
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
        self.app: App | None = None
        self.docroot = publishing.make_docroot(cfg, self.store)
        self.follower = publishing.Follower(self.docroot) if self.docroot else None
        self.cdn = publishing.make_cdn(cfg)
        self.rebuilder = Rebuilder(self.rebuild)
        # polls run in per-host lanes (8 workers, 4 for slow hosts); scheduler jobs queue them
        self.lanes = Lanes(workers=8, slow_workers=4)
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=4)}, timezone=UTC
        )

    def poll(self, spec: SourceSpec, *, force: bool = False) -> jobs.PollOutcome:
        """Poll one source; queue a rebuild when it changed anything."""
        try:
            outcome = jobs.poll(self.store, spec, self.poll_settings, utcnow, force=force)
        except sa_exc.DBAPIError as exc:  # the archive, not the source: retried next interval
            why = f"the archive failed: {availability.describe(exc)}"
            log.error("source %s: not polled: %s", spec.id, why, extra={"source": spec.id})
            return jobs.PollOutcome(spec.id, "failed", error=why)
        if outcome.feeds:
            self.rebuilder.request()
            self._schedule_embargo()
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
        self._publish_files(pages=True)
        if report.failed:
            log.error(
                "feeds whose rebuild failed (kept as they were): %s", ", ".join(report.failed)
            )
        if report.feeds:
            REBUILDS.inc(report.feeds)
            REBUILD_SECONDS.observe(report.seconds)
            log.info(
                "rebuilt %d feeds, %d documents changed in %.2fs",
                report.feeds,
                len(report.changed),
                report.seconds,
            )
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
        DOCUMENTS_CHANGED.inc(len(paths))
        if self.app is not None:
            self.app.cache.drop(paths)
        self._publish_files(pages=False)
        if self.cdn is not None:  # the pings wait for the purge
            self.scheduler.add_job(self.deliver_purges, id="cdn-now", replace_existing=True)
        elif self.site.hubs:
            self.scheduler.add_job(self.deliver_pings, id="websub-now", replace_existing=True)

    def _publish_files(self, *, pages: bool) -> None:
        """The docroot: by the follower when it runs, else here (the index at the end)."""
        if self.follower is not None and self.follower.running:
            self.follower.request()
        else:
            publishing.sync(self.docroot, pages=pages)

    def deliver_pings(self) -> None:
        """Send due WebSub pings."""
        websub.deliver(
            self.store, owner=self.owner, now=utcnow(), user_agent=self.cfg.fetch.user_agent
        )

    def deliver_purges(self) -> None:
        """Send due CDN purges; the pings they release go once settled."""
        if self.cdn is None:
            return
        agent = self.cfg.fetch.user_agent
        due = cdn.deliver(self.store, self.cdn, owner=self.owner, now=utcnow(), user_agent=agent)
        if due is not None and self.site.hubs and self.scheduler.running:
            self.scheduler.add_job(self.deliver_pings, DateTrigger(run_date=max(due, utcnow())))

    def _schedule_embargo(self) -> None:
        when = jobs.next_embargo(self.store)
        if when is not None and self.scheduler.running:
            self.scheduler.add_job(
                self.rebuilder.request,
                DateTrigger(run_date=max(when, utcnow())),
                id="embargo",
                replace_existing=True,
            )

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
        # other processes' dirty marks, failed rebuilds and embargoes are picked up here
        self.scheduler.add_job(
            self.rebuilder.request, IntervalTrigger(seconds=5), id="rebuild-tick"
        )
        if self.site.hubs:
            self.scheduler.add_job(self.deliver_pings, IntervalTrigger(seconds=10), id="websub")
        if self.cdn is not None:
            self.scheduler.add_job(self.deliver_purges, IntervalTrigger(seconds=10), id="cdn")
        # the claim in the archive, not this trigger, decides which process prunes this hour
        self.scheduler.add_job(
            self.prune,
            IntervalTrigger(seconds=self.retention.every_seconds),
            id="retention",
            max_instances=1,
            coalesce=True,
            next_run_time=now + timedelta(seconds=60),
        )

    def run(self, *, serve: bool = True, poll: bool = True) -> None:
        """Start everything and block until SIGINT/SIGTERM; then stop cleanly."""
        seed_sources(self.cfg)
        recovery.free_dead_leases(self.store, self.owner)
        self.start_feeds()
        self.app = self.make_app()
        self.rebuilder.start()
        self.rebuilder.request()
        if self.follower is not None:
            self.follower.start()
        integrity.check_in_background(self.store)
        if poll:
            self.schedule()
            self.scheduler.start()
            self._schedule_embargo()
        try:
            if serve and self.cfg.workers > 1:
                serving.serve_workers(self.cfg)
            elif serve:
                serving.serve_here(self.cfg, self.app)
            else:
                serving.wait_for_signal()
        finally:
            log.info("shutting down: finishing work in flight")
            if self.follower is not None:
                self.follower.close()
            if self.scheduler.running:
                self.scheduler.shutdown(wait=True)
            self.lanes.close()
            self.rebuilder.stop()
            self.store.dispose()

    def make_app(self) -> App:
        """The ASGI application for this service, with the push API mounted."""
        return serving.build_app(self.cfg, self.store, on_push=self.rebuilder.request)
