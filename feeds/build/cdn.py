"""Purge changed documents from a CDN, then let their WebSub pings go (`[cdn]`).

A hub fetches a topic as soon as it is pinged; through a CDN still holding the old copy it
would fan stale bytes out to every subscriber. So each stored batch of changed documents
queues one purge (feeds/archive/purges.py) holding its pings; a purge that the CDN answered
with 2xx releases them `settle_seconds` later. A failing CDN is retried with backoff like a
hub, and after MAX_ATTEMPTS its pings go anyway: it delays them, it never stops them, and
it never blocks a rebuild (purges run on their own, after the rebuild committed).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests

from feeds.archive import pings, purges
from feeds.archive.engine import Store
from feeds.catalog import surrogate_keys

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # retries after 5, 10, 20, 40 and 80 s: pings wait at most ~2.5 min
BATCH = 20
PER_PATH = ("{url}", "{path}")


@dataclass(frozen=True, slots=True)
class CdnSettings:
    """Where and how to purge, as plain values (headers already read from the environment)."""

    purge_url: str
    base_url: str
    purge_method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    settle_seconds: float = 0.0


def keys_of(feeds: list[str]) -> list[str]:
    """Every surrogate key of these documents' feeds, once each, sorted."""
    return sorted({k for feed in feeds for k in surrogate_keys(feed)})


def deliver(
    store: Store,
    cdn: CdnSettings,
    *,
    owner: str,
    now: datetime,
    user_agent: str,
    timeout: float = 10.0,
) -> datetime | None:
    """Send every due purge, batched; the earliest time a released ping is due, if any."""
    due_at: datetime | None = None
    while True:
        with store.begin() as conn:
            batch = purges.claim(conn, owner, now, ttl=timeout * (BATCH + 1), limit=BATCH)
        if not batch:
            return due_at
        # one request for the whole batch: the union of its keys and paths
        merged = purges.Purge(
            0,
            tuple(sorted({k for p in batch for k in p.keys})),
            tuple(dict.fromkeys(path for p in batch for path in p.paths)),
            0,
        )
        error = _request(cdn, merged, user_agent, timeout)
        for purge in batch:
            released = _settle(store, cdn, purge, error, now)
            if released is not None:
                due_at = released if due_at is None else min(due_at, released)


def _settle(
    store: Store, cdn: CdnSettings, purge: purges.Purge, error: str | None, now: datetime
) -> datetime | None:
    """Record one purge's answer: on 2xx (or given up) release its pings; when they are due."""
    given_up = error is not None and purge.attempts + 1 >= MAX_ATTEMPTS
    at = None
    with store.begin() as conn:
        if error is None or given_up:
            purges.done(conn, purge.id)
            at = now + timedelta(seconds=cdn.settle_seconds) if error is None else now
            pings.release(conn, purge.id, at)
        else:
            delay = 5 * 2**purge.attempts
            purges.retry(conn, purge.id, error, now + timedelta(seconds=delay))
    if error is not None:
        log.warning(
            "CDN purge of %s failed: %s%s",
            " ".join(purge.keys),
            error,
            "; giving up, its pings go now" if given_up else "; retried",
        )
    return at


def _request(cdn: CdnSettings, purge: purges.Purge, user_agent: str, timeout: float) -> str | None:
    """Send the purge (one request, or one per document when the URL names one); the error."""
    per_path = any(p in cdn.purge_url for p in PER_PATH)
    targets = purge.paths if per_path else ("",)
    for path in targets:
        keys = list(surrogate_keys(_feed_of(path))) if per_path else list(purge.keys)
        url = cdn.purge_url.format(url=cdn.base_url + path, path=path, keys=",".join(keys))
        urls = [cdn.base_url + p for p in ((path,) if per_path else purge.paths)]
        body = {"keys": keys, "urls": urls}
        headers = {"User-Agent": user_agent, "Surrogate-Key": " ".join(keys), **cdn.headers}
        try:
            resp = requests.request(
                cdn.purge_method,
                url,
                data=None if cdn.purge_method == "GET" else json.dumps(body),
                headers={**headers, "Content-Type": "application/json"},
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            return f"CDN unreachable: {exc.__class__.__name__}"
        if not 200 <= resp.status_code < 300:
            return f"CDN answered HTTP {resp.status_code}"
    return None


def _feed_of(path: str) -> str:
    """The feed name of a document path (history pages included)."""
    stem = path.removeprefix("/feeds/").rsplit(".", 1)[0]
    return stem.split("/archive/")[0]
