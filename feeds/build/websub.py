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
BATCH = 20  # pings leased at a time


def deliver(
    store: Store, *, owner: str, now: datetime, user_agent: str, timeout: float = 10.0
) -> int:
    """Send every due ping once; failures are rescheduled; return how many hubs accepted."""
    accepted = 0
    while True:
        with store.begin() as conn:
            # the lease outlasts the whole batch, so no other process sends these pings twice
            due = pings.claim(conn, owner, now, ttl=timeout * (BATCH + 1), limit=BATCH)
        if not due:
            return accepted
        accepted += sum(_send(store, ping, now, user_agent, timeout) for ping in due)


def _send(store: Store, ping: pings.Ping, now: datetime, user_agent: str, timeout: float) -> bool:
    """POST one publish ping; record success, or schedule the next try with backoff."""
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
            # a retry lands after `now`, so this run's loop never claims it again
            delay = min(MAX_BACKOFF_SECONDS, 5 * 2**ping.attempts)
            pings.retry(conn, ping.id, error, now + timedelta(seconds=delay))
    WEBSUB_PINGS.labels("ok" if ok else "failed").inc()
    if not ok:
        log.warning("websub ping to %s for %s failed: %s", ping.hub, ping.topic, error)
    return ok
