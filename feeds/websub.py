"""Deliver queued WebSub publish pings to hubs (W3C WebSub), with retries and backoff."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import requests

from feeds.archive import pings
from feeds.archive.engine import Store
from feeds.metrics import WEBSUB_PINGS

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600


def deliver(
    store: Store, *, owner: str, now: datetime, user_agent: str, timeout: float = 10.0
) -> int:
    """Send every due ping once; failures are rescheduled; return how many hubs accepted."""
    with store.begin() as conn:
        due = pings.claim(conn, owner, now, ttl=timeout * 3)
    accepted = 0
    for ping in due:
        try:
            # WebSub publishing is not standardized; hubs commonly take this form post
            resp = requests.post(
                ping.hub,
                data={"hub.mode": "publish", "hub.url": ping.topic},
                headers={"User-Agent": user_agent},
                timeout=timeout,
                allow_redirects=False,
            )
            ok, error = 200 <= resp.status_code < 300, f"hub answered HTTP {resp.status_code}"
        except requests.RequestException as exc:
            ok, error = False, f"hub unreachable: {exc.__class__.__name__}"
        with store.begin() as conn:
            if ok:
                pings.done(conn, ping.id)
            else:
                delay = min(MAX_BACKOFF_SECONDS, 5 * 2**ping.attempts)
                pings.retry(conn, ping.id, error, now + timedelta(seconds=delay))
        WEBSUB_PINGS.labels("ok" if ok else "failed").inc()
        if ok:
            accepted += 1
        else:
            log.warning("websub ping to %s for %s failed: %s", ping.hub, ping.topic, error)
    return accepted
