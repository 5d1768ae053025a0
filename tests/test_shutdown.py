"""Stopping and restarting `newsfeeds run`: clean exit mid-rebuild, polling resumes on time."""

from __future__ import annotations

import http.server
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service_support import free_port, running, sample_config, wait_until
from tests.test_crash_safety import check_documents, item_ids

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Upstream</title><link>https://up.example.com/</link>
<description>Test upstream</description>
<item><title>Upstream story one</title><link>https://up.example.com/one</link>
<guid>https://up.example.com/one</guid><pubDate>Tue, 10 Mar 2026 08:00:00 +0000</pubDate>
<description>The first story.</description></item>
<item><title>Upstream story two</title><link>https://up.example.com/two</link>
<guid>https://up.example.com/two</guid><pubDate>Tue, 10 Mar 2026 09:00:00 +0000</pubDate>
<description>The second story.</description></item>
</channel></rss>"""


class Upstream(http.server.ThreadingHTTPServer):
    """A feed server on 127.0.0.1 that counts the requests it answers."""

    requests = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        assert isinstance(self.server, Upstream)
        self.server.requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(RSS)))
        self.end_headers()
        self.wfile.write(RSS)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 30) -> str:
    """Read the service's output until a line contains `marker` (fails on timeout)."""
    seen: list[str] = []
    found = threading.Event()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            if marker in line:
                found.set()
                return

    threading.Thread(target=reader, daemon=True).start()
    assert found.wait(timeout), f"never saw {marker!r}:\n{''.join(seen)}"
    return "".join(seen)


def test_sigterm_during_a_rebuild_exits_0_with_nothing_torn(tmp_path: Path) -> None:
    port = free_port()
    config = sample_config(tmp_path, port)
    env = {"NEWSFEEDS_PAUSE_AT": "mid-render:2"}
    with running(config, port, env=env) as proc:
        read_until(proc, "paused at mid-render")
        proc.send_signal(signal.SIGTERM)  # while the first feed's rebuild is held open
        assert proc.wait(60) == 0
    db = tmp_path / "newsfeeds.db"
    assert check_documents(db) > 0
    with sqlite3.connect(db) as conn:
        pending = conn.execute("SELECT COUNT(*) FROM feeds WHERE dirty_seq > built_seq")
        assert pending.fetchone()[0] == 0  # the rebuild in flight was finished, not dropped
        guids = {r[0] for r in conn.execute("SELECT guid FROM articles")}
        latest = conn.execute("SELECT body FROM documents WHERE path = '/feeds/latest.json'")
        served = set(item_ids("/feeds/latest.json", latest.fetchone()[0]))
    assert guids and served == guids


def polled_upstream(db: Path, timeout: float = 30) -> None:
    """Wait until the upstream source's poll has committed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "SELECT last_success FROM source_state WHERE source_id = 'upstream'"
            ).fetchone()
        if row and row[0]:
            return
        time.sleep(0.1)
    raise AssertionError("the upstream source was never polled")


def test_restart_resumes_polling_where_it_left_off(tmp_path: Path, upstream: Upstream) -> None:
    port = free_port()
    feed_url = f"http://127.0.0.1:{upstream.server_address[1]}/feed.rss"
    source = (
        f'\n[[sources]]\nid = "upstream"\nkind = "feed"\nurl = "{feed_url}"\n'
        'interval_seconds = 300\nsection = "world"\n'
    )
    config = sample_config(tmp_path, port, extra=source)
    base = f"http://127.0.0.1:{port}"
    for _ in range(2):
        with running(config, port) as proc:
            wait_until(f"{base}/feeds/section/world.json", proc)
            polled_upstream(tmp_path / "newsfeeds.db")
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0
    assert upstream.requests == 1  # the restart waited for the stored next-due time
