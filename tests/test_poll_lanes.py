"""Sources waiting for a slow host's turn hold no poll thread, so other hosts poll on time.

Issue 17, case 2: with the pool's eight threads, eight feeds of one host that stopped
answering took every thread (one fetching, seven waiting for the host) and no other host
was polled until the first fetch's deadline passed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from feeds.archive import source_state as source_rows
from scheduler.config import load
from scheduler.lanes import Lanes
from scheduler.service import Service
from sources.model.state import SourceState
from tests.net_support import Silent

DEAD_FEEDS = 8
FEED = (
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>ok</title>"
    b"<link>https://ok.example.com/</link><description>d</description><item><title>One</title>"
    b"<link>https://ok.example.com/1</link><guid>ok-1</guid></item></channel></rss>"
)


class Healthy(ThreadingHTTPServer):
    """A host that answers a feed at once and signals each request."""

    daemon_threads = True

    def __init__(self) -> None:
        self.hit = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(FEED)))
                self.end_headers()
                self.wfile.write(FEED)
                outer.hit.set()

            def log_message(self, format: str, *args: object) -> None:
                pass

        outer = self
        super().__init__(("127.0.0.1", 0), Handler)


def config(tmp_path: Path, dead: str, healthy: str) -> Path:
    sources = "".join(
        f'\n[[sources]]\nid = "dead-{n}"\nkind = "feed"\nurl = "{dead}/f{n}.rss"\n'
        'interval_seconds = 60\nsection = "world"\n'
        for n in range(DEAD_FEEDS)
    )
    path = tmp_path / "config.toml"
    path.write_text(
        f"""[store]
url = "sqlite:///{tmp_path / "lanes.db"}"
[scheduler]
min_interval_seconds = 1
jitter_seconds = 0
[fetch]
timeout_seconds = 120
deadline_seconds = 120
host_gap_seconds = 0
[[sections]]
slug = "world"
{sources}
[[sources]]
id = "healthy"
kind = "feed"
url = "{healthy}/feed.rss"
interval_seconds = 60
section = "world"
""",
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def hosts() -> Iterator[tuple[Silent, Healthy]]:
    silent, healthy = Silent(), Healthy()
    threading.Thread(target=healthy.serve_forever, daemon=True).start()
    try:
        yield silent, healthy
    finally:
        silent.close()
        healthy.shutdown()
        healthy.server_close()


def test_eight_feeds_of_a_dead_host_never_hold_up_another_host(tmp_path: Path) -> None:
    with hosts() as (silent, healthy):
        dead_base = f"http://127.0.0.1:{silent.listener.getsockname()[1]}"
        ok_base = f"http://127.0.0.1:{healthy.server_address[1]}"
        service = Service(load(config(tmp_path, dead_base, ok_base)))
        # the healthy source falls due after the dead host's eight have taken their places
        with service.store.begin() as conn:
            later = datetime.now(UTC) + timedelta(seconds=2)
            source_rows.save(conn, SourceState("healthy", f"{ok_base}/feed.rss", next_due=later))
        service.schedule()
        service.scheduler.start()
        try:
            polled = healthy.hit.wait(30)
            in_flight = silent.accepted
            queued = service.lanes.pending()
        finally:
            silent.close()  # the dead host's fetch ends; the stop drops the waiting seven
            service.scheduler.shutdown(wait=True)
            service.lanes.close()
            service.store.dispose()
    assert polled, "the healthy host was not polled while the dead host held its turn"
    assert in_flight == 1  # one request at a time to a host, however many feeds it has
    assert queued >= DEAD_FEEDS  # the dead host's polls waited in their lane


def test_a_lane_runs_one_job_at_a_time_and_each_source_once() -> None:
    lanes = Lanes(workers=4, slow_workers=1)
    release, started, second = threading.Event(), threading.Event(), threading.Event()
    order: list[str] = []

    def blocking() -> None:
        started.set()
        release.wait(30)
        order.append("first")

    def after() -> None:
        order.append("second")
        second.set()

    assert lanes.submit(("a", 1), "one", blocking)
    assert started.wait(30)
    assert lanes.submit(("a", 1), "two", after)
    assert not lanes.submit(("a", 1), "two", lambda: order.append("again"))  # queued once
    other = threading.Event()
    assert lanes.submit(("b", 1), "three", other.set)
    assert other.wait(30)  # another host's job ran while lane a was busy
    release.set()
    assert second.wait(30)
    lanes.close()
    assert order == ["first", "second"]


def test_slow_hosts_run_in_their_own_workers_and_leave_the_others_free() -> None:
    slow_hosts = {("slow-a", 1), ("slow-b", 1)}
    lanes = Lanes(workers=1, slow_workers=1, is_slow=slow_hosts.__contains__)
    release, fast = threading.Event(), threading.Event()
    for host in sorted(slow_hosts):  # both slow lanes want the one slow worker
        assert lanes.submit(host, host[0], lambda: release.wait(30))
    assert lanes.submit(("fast", 1), "fast", fast.set)
    ran = fast.wait(30)
    release.set()
    lanes.close()
    assert ran  # the one ordinary worker was never taken by a slow host
