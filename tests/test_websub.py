"""WebSub publishing against a real hub on 127.0.0.1: one ping per changed document."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from http_support import BASE_URL, ingest, rebuild, record, spec, stored, write_config

from feeds.archive import pings
from feeds.build import websub
from scheduler.service import Service

T1 = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)


class Hub(ThreadingHTTPServer):
    """Records publish pings; answers each with the next queued status (default 204)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HubHandler)
        self.received: list[dict[str, list[str]]] = []
        self.statuses: list[int] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hub"

    def topics(self) -> list[str]:
        with self.lock:
            return sorted(r["hub.url"][0] for r in self.received)

    def clear(self) -> None:
        with self.lock:
            self.received.clear()


class _HubHandler(BaseHTTPRequestHandler):
    server: Hub

    def do_POST(self) -> None:
        size = int(self.headers.get("content-length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(size).decode())
        with self.server.lock:
            self.server.received.append(form)
            status = self.server.statuses.pop(0) if self.server.statuses else 204
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hub() -> Iterator[Hub]:
    server = Hub()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def service(tmp_path: Path, hub: Hub) -> Iterator[Service]:
    svc = Service(write_config(tmp_path, hubs=(hub.url,)))
    yield svc
    svc.store.dispose()


def deliver(service: Service, at: datetime) -> int:
    return websub.deliver(service.store, owner="test", now=at, user_agent="test", timeout=5)


def waiting(service: Service) -> int:
    with service.store.read() as conn:
        return pings.waiting(conn)


def topics(paths: list[str]) -> list[str]:
    return sorted(BASE_URL + p for p in paths)


def test_one_publish_ping_per_changed_document(service: Service, hub: Hub) -> None:
    ingest(service, [record(1)], at=T1, source=spec("wire", "world"))
    changed = rebuild(service, None, T1)
    assert sorted(changed) == sorted(
        f"/feeds/{f}.{x}" for f in ("latest", "section/world") for x in ("rss", "atom", "json")
    )
    assert deliver(service, T1) == 6
    assert hub.topics() == topics(changed)
    assert all(r["hub.mode"] == ["publish"] for r in hub.received)
    assert waiting(service) == 0


def test_only_the_feeds_that_changed_are_pinged(service: Service, hub: Hub) -> None:
    ingest(service, [record(1)], at=T1, source=spec("wire", "world"))
    rebuild(service, None, T1)
    deliver(service, T1)
    hub.clear()
    later = T1 + timedelta(hours=1)
    ingest(service, [record(2)], at=later, source=spec("desk", "business"))
    changed = rebuild(service, None, later)
    deliver(service, later)
    assert hub.topics() == topics(changed)
    assert not any("/section/world" in t for t in hub.topics())
    assert any("/section/business" in t for t in hub.topics())


def test_nothing_is_pinged_when_nothing_changed(service: Service, hub: Hub) -> None:
    ingest(service, [record(1)], at=T1, source=spec("wire", "world"))
    rebuild(service, None, T1)
    deliver(service, T1)
    hub.clear()
    later = T1 + timedelta(hours=1)
    ingest(service, [record(1)], at=later, source=spec("wire", "world"))  # a re-poll
    assert rebuild(service, None, later) == []
    assert deliver(service, later) == 0
    assert hub.received == []


def test_a_failing_hub_gets_the_ping_again_after_a_backoff(service: Service, hub: Hub) -> None:
    ingest(service, [record(1)], at=T1, source=spec("wire", "world"))
    changed = rebuild(service, None, T1)
    hub.statuses = [500] * 6
    assert deliver(service, T1) == 0
    assert hub.topics() == topics(changed)
    assert waiting(service) == 6
    hub.clear()
    assert deliver(service, T1 + timedelta(seconds=1)) == 0  # backing off: not yet
    assert hub.received == []
    assert deliver(service, T1 + timedelta(seconds=6)) == 6
    assert hub.topics() == topics(changed)
    assert waiting(service) == 0


def test_an_unreachable_hub_is_retried(tmp_path: Path, hub: Hub) -> None:
    dead = Hub()
    dead_url = dead.url
    dead.server_close()  # nothing listens there now
    svc = Service(write_config(tmp_path, hubs=(dead_url,)))
    ingest(svc, [record(1)], at=T1, source=spec("wire", "world"))
    rebuild(svc, None, T1)
    assert deliver(svc, T1) == 0
    assert waiting(svc) == 6
    svc.store.dispose()


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_every_document_names_its_hub_and_itself(service: Service, hub: Hub, fmt: str) -> None:
    ingest(service, [record(1)], at=T1, source=spec("wire", "world"))
    rebuild(service, None, T1)
    for path in (f"/feeds/latest.{fmt}", f"/feeds/section/world.{fmt}"):
        body = stored(service, path).body.decode()
        assert hub.url in body
        assert BASE_URL + path in body
        if fmt != "json":
            assert 'rel="hub"' in body and 'rel="self"' in body


def test_one_run_delivers_more_pings_than_one_lease_batch(service: Service, hub: Hub) -> None:
    ingest(service, [record(1, countries=["IN", "FR", "JP"])], at=T1, source=spec("wire", "world"))
    changed = rebuild(service, None, T1)
    assert len(changed) == 24 > websub.BATCH
    assert deliver(service, T1) == 24
    assert hub.topics() == topics(changed)
