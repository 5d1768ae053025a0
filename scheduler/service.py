"""The running service: archive, scheduler, rebuilder and HTTP server in one process."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from uvicorn.supervisors import Multiprocess

from feeds.archive import open_store, source_state
from feeds.archive.engine import Store
from feeds.build import publish, websub
from feeds.http.admin import AdminAccess
from feeds.http.api import PushApi, PushSettings, parse_tokens, push_source
from feeds.http.app import App
from feeds.metrics import DOCUMENTS_CHANGED, REBUILD_SECONDS, REBUILDS
from scheduler import jobs
from scheduler.config import Config
from scheduler.jobs import recovery, retention
from scheduler.rebuilder import Rebuilder
from scheduler.wiring import configured_sources, current_feeds, rules_of, serve_settings_of, site_of
from sources.model.spec import SourceSpec

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """The one wall clock of the service; everything below takes `now` as an argument."""
    return datetime.now(UTC)


def seed_sources(cfg: Config) -> None:
    """Copy bundled drop-folder samples into place on first run (never touch the originals)."""
    for spec in cfg.sources:
        seed = spec.options.get("seed")
        if spec.kind == "files" and isinstance(seed, str) and not Path(spec.url).exists():
            shutil.copytree(seed, spec.url)


class Service:
    """Owns the archive and every moving part; `run` blocks until SIGINT/SIGTERM."""

    def __init__(self, cfg: Config, *, store: Store | None = None) -> None:
        self.cfg = cfg
        self.store = store or open_store(cfg.store_url)
        self.site = site_of(cfg)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.poll_settings = jobs.PollSettings(
            fetch=cfg.fetch,
            rules=rules_of(cfg),
            owner=self.owner,
            lease_seconds=float(cfg.lease_seconds),
            early_tolerance_seconds=max(1.0, float(cfg.jitter_seconds) + 1.0),
        )
        self.retention = retention.RetentionSettings(cfg.current_days, cfg.archive_days)
        self.app: App | None = None
        self.rebuilder = Rebuilder(self.rebuild)
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=8)}, timezone=UTC
        )

    def poll(self, spec: SourceSpec, *, force: bool = False) -> jobs.PollOutcome:
        """Poll one source; queue a rebuild when it changed anything."""
        outcome = jobs.poll(self.store, spec, self.poll_settings, utcnow, force=force)
        if outcome.feeds:
            self.rebuilder.request()
            self._schedule_embargo()
        return outcome

    def rebuild(
        self, *, force: bool = False, on_feed: Callable[[str], None] | None = None
    ) -> publish.RebuildReport:
        """Rebuild every dirty feed (this process's share of them); `force` overrides the guard."""
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
        if self.cfg.hubs:
            self.scheduler.add_job(self.deliver_pings, id="websub-now", replace_existing=True)

    def deliver_pings(self) -> None:
        """Send due WebSub pings."""
        websub.deliver(
            self.store, owner=self.owner, now=utcnow(), user_agent=self.cfg.fetch.user_agent
        )

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
            states = {s.source_id: s for s in source_state.load_all(conn)}
        for spec in self.cfg.sources:
            state = states.get(spec.id)
            first = state.next_due if state and state.next_due and state.next_due > now else now
            self.scheduler.add_job(
                self.poll,
                IntervalTrigger(
                    seconds=spec.interval_seconds,
                    jitter=self.cfg.jitter_seconds or None,
                    start_date=first,
                ),
                args=[spec],
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
        if self.cfg.hubs:
            self.scheduler.add_job(self.deliver_pings, IntervalTrigger(seconds=10), id="websub")
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
        self.app = self.make_app()
        self.rebuilder.start()
        self.rebuilder.request()
        if poll:
            self.schedule()
            self.scheduler.start()
            self._schedule_embargo()
        try:
            if serve and self.cfg.workers > 1:
                self._serve_workers()
            elif serve:
                QuietServer(self.uvicorn_config()).run()
            else:
                _wait_for_signal()
        finally:
            log.info("shutting down: finishing work in flight")
            if self.scheduler.running:
                self.scheduler.shutdown(wait=True)
            self.rebuilder.stop()
            self.store.dispose()

    def make_app(self) -> App:
        """The ASGI application for this service, with the push API mounted."""
        env, cfg = os.environ, self.cfg
        api = PushApi(
            self.store,
            PushSettings(
                tokens=parse_tokens(env.get(cfg.api_tokens_env, "")),
                max_body_bytes=cfg.api_max_body_bytes,
                source=push_source(cfg.sections[0].slug),
                rules=self.poll_settings.rules,
            ),
            on_change=lambda _feeds: self.rebuilder.request(),
            now=utcnow,
        )
        admin = AdminAccess(
            token_required=cfg.admin_token_env is not None,
            token=env.get(cfg.admin_token_env or "", ""),
            loopback_only=cfg.admin_loopback_only,
        )
        return App(
            self.store,
            self.site,
            serve_settings_of(cfg),
            configured_sources=configured_sources(cfg),
            is_current=current_feeds(cfg),
            extra_routes=api.routes(),
            admin=admin,
        )

    def _serve_workers(self) -> None:
        """Serve from `server.workers` processes; this one keeps polling and rebuilding.

        Each worker builds its app from the same config (scheduler.asgi) and follows this
        process's rebuilds through the archive, as separate hosts would.
        """
        os.environ["NEWSFEEDS_CONFIG"] = str(self.cfg.path.resolve())
        config = uvicorn.Config(
            "scheduler.asgi:create",
            factory=True,
            workers=self.cfg.workers,
            host=self.cfg.host,
            port=self.cfg.port,
            access_log=False,
            server_header=False,
            log_config=None,
            timeout_keep_alive=30,
        )
        Multiprocess(config, sockets=[config.bind_socket()]).run()

    def uvicorn_config(self) -> uvicorn.Config:
        """uvicorn settings: our own access counting, no server header, bounded keep-alive."""
        assert self.app is not None, "make_app() first"
        return uvicorn.Config(
            self.app,
            host=self.cfg.host,
            port=self.cfg.port,
            access_log=False,
            server_header=False,
            log_config=None,
            timeout_keep_alive=30,
            lifespan="on",
        )


class QuietServer(uvicorn.Server):
    """uvicorn, stopping gracefully on SIGINT/SIGTERM without re-raising the signal.

    uvicorn re-raises the signal after shutdown, which makes a clean stop exit with
    status -15; an operator's supervisor should see 0 for a requested, clean stop.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {
            sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _wait_for_signal() -> None:

    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
