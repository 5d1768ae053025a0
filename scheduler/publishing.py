"""What a process publishes beyond its own HTTP server: the docroot (`[publish] docroot`)
and CDN purges (`[cdn]`)."""

from __future__ import annotations

import logging
import os
import threading

from feeds.archive.engine import Store
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


def sync(docroot: Docroot | None) -> None:
    """Bring the docroot up to date; a failure (a full disk) never stops a rebuild."""
    if docroot is None:
        return
    try:
        docroot.sync()
    except Exception:  # the archive stays right; the next pass writes what is missing
        log.exception("writing the docroot %s failed; retried at the next pass", docroot.root)


def follow(docroot: Docroot | None, stop: threading.Event, seconds: float = 1.0) -> None:
    """Mirror other processes' documents into the docroot until `stop` is set."""
    if docroot is None:
        return

    def loop() -> None:
        while not stop.wait(seconds):
            sync(docroot)

    threading.Thread(target=loop, name="docroot", daemon=True).start()


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
