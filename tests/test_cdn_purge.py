"""`[cdn]`: changed documents are purged by key before their WebSub pings go, on both engines.

A real fake CDN and a real fake hub on 127.0.0.1 record what reaches them and when, in one
shared log, so the order is what they saw.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from docroot_support import T1, docroot_config
from http_support import ingest, record, spec

from feeds.archive import documents as docs
from feeds.archive import purges
from feeds.build import cdn, websub
from feeds.catalog import surrogate_keys
from scheduler.clock import utcnow
from scheduler.service import Service


@dataclass
class Log:
    """What reached the fake CDN and the fake hub, in arrival order."""

    events: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    cdn_status: list[int] = field(default_factory=list)

    def of(self, who: str) -> list[dict[str, object]]:
        with self.lock:
            return [e for w, e in self.events if w == who]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        size = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(size).decode()
        log = self.server.log
        if self.path.startswith("/hub"):
            entry: dict[str, object] = {"topic": urllib.parse.parse_qs(body)["hub.url"][0]}
            status = 204
        else:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            entry = {
                "keys": query["keys"][0].split(","),
                "header": self.headers.get("surrogate-key"),
                "token": self.headers.get("fastly-key"),
                "body": json.loads(body),
            }
            status = log.cdn_status.pop(0) if log.cdn_status else 200
        with log.lock:
            log.events.append(("hub" if self.path.startswith("/hub") else "cdn", entry))
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def __init__(self, log: Log) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.log = log


@pytest.fixture
def fake() -> Iterator[tuple[Log, str]]:
    """One server playing the CDN (/purge) and the hub (/hub); its base URL."""
    log = Log()
    server = _Server(log)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield log, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _service(tmp: Path, store_url: str, base: str, settle: float = 0.0) -> Service:
    extra = (
        f'[cdn]\npurge_url = "{base}/purge?keys={{keys}}"\nheaders_env = "NEWSFEEDS_TEST_CDN"\n'
        f"settle_seconds = {settle}\n"
    )
    return Service(docroot_config(tmp, store_url, tmp / "pub", extra=extra, hubs=f'"{base}/hub"'))


def _changed_keys(service: Service, paths: list[str]) -> list[str]:
    with service.store.read() as conn:
        feeds = {d.feed for d in (docs.get(conn, p) for p in paths) if d is not None}
    return sorted({k for f in feeds for k in surrogate_keys(f)})


def test_the_purge_reaches_the_cdn_before_the_ping_reaches_the_hub(
    tmp_path: Path, store_url: str, fake: tuple[Log, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log, base = fake
    monkeypatch.setenv("NEWSFEEDS_TEST_CDN", "Fastly-Key: secret-token")
    service = _service(tmp_path, store_url, base)
    ingest(service, [record(1)], at=T1, source=spec())  # world only, no country
    changed = service.rebuild().changed
    service.deliver_pings()  # held: its purge has not answered yet
    assert log.of("hub") == []
    service.deliver_purges()
    service.deliver_pings()
    (purge,) = log.of("cdn")
    expected = _changed_keys(service, changed)
    assert purge["keys"] == expected == ["feed-latest", "feed-section-world", "section-world"]
    assert purge["header"] == " ".join(expected) and purge["token"] == "secret-token"
    assert sorted(purge["body"]["urls"]) == sorted(  # type: ignore[index]
        service.site.base_url + p for p in changed
    )
    whos = [w for w, _ in log.events]
    assert whos[0] == "cdn" and whos.count("hub") == len(
        [p for p in changed if "/archive/" not in p]
    )
    service.store.dispose()


def test_a_failing_cdn_delays_pings_by_the_retry_policy_and_blocks_no_rebuild(
    tmp_path: Path, store_url: str, fake: tuple[Log, str]
) -> None:
    log, base = fake
    service = _service(tmp_path, store_url, base)
    log.cdn_status.extend([503] * cdn.MAX_ATTEMPTS)
    ingest(service, [record(1)], at=T1, source=spec())
    report = service.rebuild()  # the rebuild does not wait for the CDN
    assert report.changed and not report.failed
    assert cdn is not None and service.outputs.cdn is not None
    agent, now = "test", utcnow()
    waited = 0.0
    for attempt in range(cdn.MAX_ATTEMPTS):
        due = cdn.deliver(service.store, service.outputs.cdn, owner="t", now=now, user_agent=agent)
        websub.deliver(service.store, owner="t", now=now, user_agent=agent)
        if attempt < cdn.MAX_ATTEMPTS - 1:
            assert due is None and log.of("hub") == []
            step = 5 * 2**attempt
            now += timedelta(seconds=step)
            waited += step
    assert len(log.of("cdn")) == cdn.MAX_ATTEMPTS
    assert log.of("hub"), "given up: the pings went anyway"
    assert waited == 155  # at most the retry policy: 5 + 10 + 20 + 40 + 80 s
    with service.store.read() as conn:
        assert purges.waiting(conn) == 0
    service.store.dispose()


def test_pings_wait_settle_seconds_after_the_purge(
    tmp_path: Path, store_url: str, fake: tuple[Log, str]
) -> None:
    log, base = fake
    service = _service(tmp_path, store_url, base, settle=30)
    ingest(service, [record(1)], at=T1, source=spec())
    service.rebuild()
    assert service.outputs.cdn is not None
    now = utcnow()
    due = cdn.deliver(service.store, service.outputs.cdn, owner="t", now=now, user_agent="t")
    assert due == now + timedelta(seconds=30)
    websub.deliver(service.store, owner="t", now=now + timedelta(seconds=29), user_agent="t")
    assert log.of("hub") == []
    websub.deliver(service.store, owner="t", now=now + timedelta(seconds=30), user_agent="t")
    assert log.of("hub")
    service.store.dispose()


def test_without_a_cdn_pings_go_at_once(
    tmp_path: Path, store_url: str, fake: tuple[Log, str]
) -> None:
    log, base = fake
    service = Service(docroot_config(tmp_path, store_url, tmp_path / "pub", hubs=f'"{base}/hub"'))
    ingest(service, [record(1)], at=T1, source=spec())
    service.rebuild()
    service.deliver_pings()
    assert log.of("hub") and log.of("cdn") == []
    with service.store.read() as conn:
        assert purges.waiting(conn) == 0
    service.store.dispose()


def test_purge_settings_are_checked(tmp_path: Path) -> None:
    from scheduler.errors import ConfigError

    with pytest.raises(ConfigError, match=r"cdn\.purge_url: may only name"):
        docroot_config(
            tmp_path, "sqlite:///x.db", tmp_path, extra='[cdn]\npurge_url = "http://c/{id}"\n'
        )
    with pytest.raises(ConfigError, match=r"cdn\.purge_method"):
        docroot_config(
            tmp_path,
            "sqlite:///x.db",
            tmp_path,
            extra='[cdn]\npurge_url = "http://c/"\npurge_method = "x"\n',
        )


def test_each_document_names_its_feed_section_and_country() -> None:
    assert surrogate_keys("latest") == ("feed-latest",)
    assert surrogate_keys("section/world") == ("feed-section-world", "section-world")
    assert surrogate_keys("country/in") == ("feed-country-in", "country-in")
    assert surrogate_keys("section/world/in") == (
        "feed-section-world-in",
        "section-world",
        "country-in",
    )
