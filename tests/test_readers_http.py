"""Reader analytics over HTTP: throttling, off means nothing counted, bounded metrics."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from http_support import fetch, ingest, rebuild, record, spec, write_config
from readers_support import FEED_PATH, Clock, hour_start, report_json, serving_configured

from feeds.archive.reader_tables import reader_hits, reader_pickups, reader_subscribers
from scheduler.config import load
from scheduler.errors import ConfigError
from scheduler.service import Service

CURL = "curl/8.5.0"
FEEDLY = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 134 subscribers; )"


def service_with(tmp_path: Path, extra: str) -> tuple[Service, Clock]:
    service = Service(write_config(tmp_path, extra=extra))
    clock = Clock(hour_start(3))
    ingest(service, [record(1)], at=clock.at, source=spec())
    rebuild(service, None, clock.at)
    return service, clock


def every_second(port: int, clock: Clock, agent: str, n: int, **headers: str) -> list[int]:
    statuses = []
    for _ in range(n):
        clock.at += timedelta(seconds=1)
        reply = fetch(port, FEED_PATH, {"User-Agent": agent, **headers})
        statuses.append(reply.status)
        if reply.status == 429:
            assert reply.headers["cache-control"] == "no-store"
            assert 1 <= int(reply.headers["retry-after"]) <= 60
    return statuses


def test_throttle_stops_a_poller_that_ignores_304_not_an_aggregator(tmp_path: Path) -> None:
    service, clock = service_with(tmp_path, "[analytics]\nthrottle = true\n")
    with serving_configured(service.make_app(clock), service.cfg) as port:
        assert every_second(port, clock, CURL, 5) == [200, 429, 429, 429, 429]
        assert every_second(port, clock, FEEDLY, 5) == [200] * 5
        clock.at += timedelta(seconds=60)
        assert every_second(port, clock, CURL, 1) == [200]  # past min_poll_seconds
        served = report_json(port)
    curl = next(f for f in served["feeds"][0]["families"] if f["family"] == "curl")  # type: ignore[index]
    assert (curl["ok"], curl["other"]) == (2, 4)


def test_forwarded_for_counts_only_from_an_allowed_proxy(tmp_path: Path) -> None:
    extra = '[analytics]\nthrottle = true\n\n[server]\nforwarded_allow_ips = ["127.0.0.0/8"]\n'
    service, clock = service_with(tmp_path, extra)
    with serving_configured(service.make_app(clock), service.cfg) as port:
        first = every_second(port, clock, CURL, 2, **{"X-Forwarded-For": "198.51.100.7"})
        other = every_second(port, clock, CURL, 1, **{"X-Forwarded-For": "198.51.100.8"})
    assert (first, other) == ([200, 429], [200])  # two clients behind one proxy


def test_forwarded_for_is_ignored_without_an_allowed_proxy(tmp_path: Path) -> None:
    extra = "[analytics]\nthrottle = true\n\n[server]\nforwarded_allow_ips = []\n"
    service, clock = service_with(tmp_path, extra)
    with serving_configured(service.make_app(clock), service.cfg) as port:
        first = every_second(port, clock, CURL, 1, **{"X-Forwarded-For": "198.51.100.7"})
        other = every_second(port, clock, CURL, 1, **{"X-Forwarded-For": "198.51.100.8"})
    assert (first, other) == ([200], [429])  # a header is the client's to invent


def test_analytics_off_counts_and_stores_nothing(tmp_path: Path) -> None:
    service, clock = service_with(tmp_path, "[analytics]\nenabled = false\nthrottle = true\n")
    with serving_configured(service.make_app(clock), service.cfg) as port:
        assert every_second(port, clock, CURL, 3) == [200, 200, 200]
        served = report_json(port)
    assert served == {"enabled": False, "since": "", "until": "", "feeds": []}
    with service.store.read() as conn:
        for table in (reader_hits, reader_subscribers, reader_pickups):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0


def test_metrics_have_bounded_labels(tmp_path: Path) -> None:
    service, clock = service_with(tmp_path, "")
    with serving_configured(service.make_app(clock), service.cfg) as port:
        every_second(port, clock, FEEDLY, 1)
        every_second(port, clock, "a made-up agent/1.0 (+https://example.net/123)", 1)
        report_json(port)  # flushes
        text = fetch(port, "/metrics").body.decode()
    lines = [x for x in text.splitlines() if x.startswith("newsfeeds_feed_")]
    assert 'newsfeeds_feed_requests_total{family="feedly",status="200"}' in text
    assert 'newsfeeds_feed_requests_total{family="other",status="200"}' in text
    assert 'newsfeeds_feed_subscribers{family="feedly"} 134.0' in text
    assert not any("made-up" in x or "/feeds/" in x for x in lines)


def test_bad_analytics_config_names_the_key(tmp_path: Path) -> None:
    for extra, key in (
        ('[analytics]\naccess_log = ["/var/log/nginx/access.log"]\n', "analytics.access_log"),
        ("[analytics]\nmin_poll_seconds = 0\n", "analytics.min_poll_seconds"),
        ('[server]\nforwarded_allow_ips = ["not-an-ip"]\n', "server.forwarded_allow_ips"),
    ):
        path = write_config(tmp_path, extra="").path
        path.write_text(extra + path.read_text(encoding="utf-8"), encoding="utf-8")
        try:
            load(path)
        except ConfigError as exc:
            assert key in str(exc)
        else:
            raise AssertionError(extra)
