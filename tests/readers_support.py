"""Scripted pollers for the readers tests: real User-Agents on a known schedule, a set clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from http_support import fetch, ingest, rebuild, record, serving, spec, stored

from feeds.http.app import App
from scheduler.config import Config
from scheduler.service import Service
from scheduler.serving import proxy_options

FEED_PATH = "/feeds/latest.rss"


class Clock:
    """The injected clock: tests move it, the server's counts read it."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> float:
        return self.at.timestamp()


@dataclass
class Poller:
    """One consumer: its User-Agent, whether it revalidates, and the validators it holds."""

    ua: str
    conditional: bool
    etag: str | None = None
    statuses: list[int] = field(default_factory=list)

    def poll(self, port: int, path: str = FEED_PATH) -> int:
        headers = {"User-Agent": self.ua}
        if self.conditional and self.etag:
            headers["If-None-Match"] = self.etag
        reply = fetch(port, path, headers)
        if reply.status == 200:
            self.etag = reply.headers.get("etag")
        self.statuses.append(reply.status)
        return reply.status


def pollers() -> dict[str, Poller]:
    """Twelve families (two Feedbin feed ids), some conditional, some not."""
    agents = {
        "feedly": ("Feedly/1.0 (+http://www.feedly.com/fetcher.html; 134 subscribers; )", True),
        "inoreader": (
            "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 26 subscribers; )",
            True,
        ),
        "newsblur": (
            "NewsBlur Feed Fetcher - 12 subscribers - https://www.newsblur.com/site/6/news "
            "(Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_1) AppleWebKit/534.48.3 "
            "(KHTML, like Gecko) Version/5.1 Safari/534.48.3)",
            True,
        ),
        "feedbin-a": ("Feedbin feed-id:1306543 - 3 subscribers", True),
        "feedbin-b": ("Feedbin feed-id:2000935 - 13 subscribers", False),
        "theoldreader": (
            "Mozilla/5.0 (compatible; theoldreader.com; 1 subscribers; "
            "feed-id=0719795c4d27c784217b0bc0)",
            True,
        ),
        "google-feedfetcher": (
            "FeedFetcher-Google; (+http://www.google.com/feedfetcher.html)",
            False,
        ),
        "bing": ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", False),
        "miniflux": ("Mozilla/5.0 (compatible; Miniflux/2.2.3; +https://miniflux.app)", True),
        "freshrss": ("FreshRSS/1.23.1 (Linux; https://freshrss.org)", False),
        "netnewswire": (
            "NetNewsWire/4.0.0 (Mac OS X; http://netnewswireapp.com/mac/; gzip-happy)",
            True,
        ),
        "curl": ("curl/8.5.0", False),
    }
    return {name: Poller(ua, cond) for name, (ua, cond) in agents.items()}


def run_schedule(
    service: Service, apps: list[App], ports: list[int], clock: Clock
) -> tuple[int, int]:
    """The known schedule; poller n talks to server n mod len(ports).

    :10 every poller fetches; :20 every poller polls again (conditional ones get 304);
    :30 a new story changes the feed; :35 feedly and inoreader poll, :40 the rest.
    Returns the feed's size in bytes before and after the change.
    """
    start = clock.at
    group = pollers()
    names = sorted(group)

    def round_of(minute: int, who: list[str]) -> None:
        clock.at = start + timedelta(minutes=minute)
        for name in who:
            group[name].poll(ports[names.index(name) % len(ports)])

    before = len(stored(service, FEED_PATH).body)
    round_of(10, names)
    round_of(20, names)
    clock.at = start + timedelta(minutes=30)
    ingest(service, [record(2)], at=clock.at, source=spec())
    changed = rebuild(service, apps[0], clock.at)
    for app in apps[1:]:
        app.cache.drop(changed)
    round_of(35, ["feedly", "inoreader"])
    round_of(40, [n for n in names if n not in ("feedly", "inoreader")])
    clock.at = start + timedelta(minutes=45)
    return before, len(stored(service, FEED_PATH).body)


def hour_start(hours_ago: int) -> datetime:
    """A whole hour in the recent past: inside every `--since 24h` window."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return now - timedelta(hours=hours_ago)


def families(report: dict[str, object]) -> dict[str, dict[str, object]]:
    """The report's rows of the latest feed, by family, without the chart series."""
    feed = next(f for f in report["feeds"] if f["feed"] == "latest")  # type: ignore[attr-defined,index]
    return {
        f["family"]: {k: v for k, v in f.items() if k not in ("hourly", "pickups")}
        for f in feed["families"]
    }


def report_json(port: int, query: str = "since=24h") -> dict[str, object]:
    """GET /status/readers.json from loopback."""
    reply = fetch(port, f"/status/readers.json?{query}")
    assert reply.status == 200, reply.body
    return json.loads(reply.body)  # type: ignore[no-any-return]


@contextmanager
def serving_configured(app: App, cfg: Config) -> Iterator[int]:
    """Like http_support.serving, with uvicorn trusting X-Forwarded-For as the config says."""
    with serving(app, **proxy_options(cfg.analytics.forwarded_allow_ips)) as port:
        yield port
