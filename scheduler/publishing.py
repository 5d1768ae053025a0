"""What a process publishes beyond its own HTTP server: the docroot (`[publish] docroot`)
and CDN purges (`[cdn]`)."""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime

from feeds.archive.engine import Store
from feeds.build import cdn
from feeds.build.cdn import CdnSettings
from feeds.docroot.mirror import Docroot
from feeds.http.app import stylesheet
from scheduler.config import Config

log = logging.getLogger(__name__)


def make_docroot(cfg: Config, store: Store) -> Docroot | None:
    """The configured docroot, or None when `[publish] docroot` is not set."""
    if cfg.docroot is None:
        return None
    return Docroot(
        store,
        cfg.site,
        cfg.docroot,
        is_current=cfg.is_current,
        redirects=cfg.serve.redirects,
        stylesheet=stylesheet(),
    )


def sync(docroot: Docroot | None, *, pages: bool = True) -> None:
    """Bring the docroot up to date; a failure (a full disk) never stops a rebuild."""
    if docroot is None:
        return
    try:
        docroot.sync(pages=pages)
    except Exception:  # the archive stays right; the next pass writes what is missing
        log.exception("writing the docroot %s failed; retried at the next pass", docroot.root)


class Follower:
    """The docroot's own thread: syncs when asked (after a rebuild) and every second (for
    other processes' documents), so a rebuild never waits for files and their fsyncs."""

    def __init__(self, docroot: Docroot, seconds: float = 1.0) -> None:
        self.docroot, self.seconds = docroot, seconds
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._loop, name="docroot", daemon=True)

    @property
    def running(self) -> bool:
        """Is the thread there to sync (in `run` and `serve`, not in one-off commands)?"""
        return self._thread.is_alive()

    def start(self) -> None:
        """Start following the archive."""
        self._thread.start()

    def request(self) -> None:
        """Sync as soon as possible (this process just stored documents)."""
        self._wake.set()

    def close(self, timeout: float = 10.0) -> None:
        """Stop after the pass in flight."""
        self._stop.set()
        self._wake.set()
        if self.running:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            self._wake.wait(self.seconds)
            self._wake.clear()
            if self._stop.is_set():
                return
            sync(self.docroot)


def make_cdn(cfg: Config) -> CdnSettings | None:
    """The `[cdn]` settings with their extra headers read from the environment, or None."""
    if cfg.cdn is None:
        return None
    raw = os.environ.get(cfg.cdn.headers_env, "") if cfg.cdn.headers_env else ""
    return CdnSettings(
        purge_url=cfg.cdn.purge_url,
        base_url=cfg.site.base_url,
        purge_method=cfg.cdn.purge_method,
        headers=parse_headers(raw),
        settle_seconds=cfg.cdn.settle_seconds,
    )


def parse_headers(raw: str) -> dict[str, str]:
    """`Name: value` lines (as `[cdn] headers_env` holds them) to a dict; others ignored."""
    out = {}
    for line in raw.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            out[name.strip()] = value.strip()
    return out


class Outputs:
    """What a process publishes besides its HTTP answers: docroot files and CDN purges."""

    def __init__(self, cfg: Config, store: Store) -> None:
        self.store = store
        self.docroot = make_docroot(cfg, store)
        self.follower = Follower(self.docroot) if self.docroot else None
        self.cdn = make_cdn(cfg)

    def files(self, *, pages: bool) -> None:
        """The docroot: by the follower when it runs, else now (`pages`: the index too)."""
        if self.follower is not None and self.follower.running:
            self.follower.request()
        else:
            sync(self.docroot, pages=pages)

    def purge(self, owner: str, user_agent: str, now: datetime) -> datetime | None:
        """Send due CDN purges; when the pings they released are due, if any."""
        if self.cdn is None:
            return None
        return cdn.deliver(self.store, self.cdn, owner=owner, now=now, user_agent=user_agent)

    def start(self) -> None:
        """Start following the archive into the docroot (long-running processes)."""
        if self.follower is not None:
            self.follower.start()

    def close(self) -> None:
        """Stop following."""
        if self.follower is not None:
            self.follower.close()
