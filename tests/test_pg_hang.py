"""`newsfeeds run` on a PostgreSQL stopped with SIGSTOP mid-run, then continued.

Issue 17, case 6 ("Done when"): /healthz turns 503 while the server does not answer, and
polls and rebuilds resume after SIGCONT without a restart. The server is a private one
(soak/pgserver.py), never the shared test server.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from soak import pgserver
from tests.service_support import NEWSFEEDS, ROOT, free_port

pytestmark = [pytest.mark.slow, pytest.mark.pg]


class Wire(ThreadingHTTPServer):
    """An upstream feed that gains an item at every request."""

    daemon_threads = True

    def __init__(self) -> None:
        self.items = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.items += 1
                entries = "".join(
                    f"<item><title>Wire {n}</title><link>https://wire.example.com/{n}</link>"
                    f"<guid>wire-{n}</guid></item>"
                    for n in range(max(1, outer.items - 20), outer.items + 1)
                )
                body = (
                    "<?xml version='1.0'?><rss version='2.0'><channel><title>Wire</title>"
                    f"<link>https://wire.example.com/</link><description>d</description>"
                    f"{entries}</channel></rss>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


def config(tmp_path: Path, port: int, store_url: str, wire: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""[site]
base_url = "http://127.0.0.1:{port}"
[server]
port = {port}
[store]
url = "{store_url}"
connect_timeout_seconds = 2
statement_timeout_seconds = 2
[scheduler]
min_interval_seconds = 1
jitter_seconds = 0
[fetch]
host_gap_seconds = 0
[[sections]]
slug = "world"
[[sources]]
id = "wire"
kind = "feed"
url = "{wire}/wire.rss"
interval_seconds = 1
section = "world"
""",
        encoding="utf-8",
    )
    return path


def eventually(check: Callable[[], bool], proc: subprocess.Popen[str], seconds: float) -> bool:
    """True once `check` holds (polled), False after `seconds`; the service must stay up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the service exited"
        if check():
            return True
        time.sleep(0.25)
    return False


def status(url: str) -> int:
    try:
        return requests.get(url, timeout=10).status_code
    except requests.RequestException:
        return 0


def newest_item(base: str) -> int:
    try:
        items = requests.get(f"{base}/feeds/latest.json", timeout=10).json()["items"]
    except (requests.RequestException, ValueError, KeyError):
        return 0
    return max(
        (int(i["title"].split()[-1]) for i in items if i["title"].startswith("Wire")), default=0
    )


def test_a_stopped_postgresql_turns_healthz_503_and_work_resumes_after_sigcont(
    tmp_path: Path,
) -> None:
    why = pgserver.unavailable()
    if why:
        pytest.skip(why)
    wire = Wire()
    threading.Thread(target=wire.serve_forever, daemon=True).start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "service.log"
    with pgserver.private_server() as pg, log.open("w") as out:
        cfg = config(tmp_path, port, pg.url, f"http://127.0.0.1:{wire.server_address[1]}")
        proc = subprocess.Popen(
            [*NEWSFEEDS, "--config", str(cfg), "run"], cwd=ROOT, stdout=out, stderr=out, text=True
        )
        try:
            assert eventually(lambda: newest_item(base) > 0, proc, 60), log.read_text()
            pg.signal_all(signal.SIGSTOP)
            turned = eventually(lambda: status(f"{base}/healthz") == 503, proc, 60)
            # the round trips in flight are given up on (statement_timeout + 5 s)
            bounded = eventually(lambda: "did not answer within" in log.read_text(), proc, 60)
            pg.signal_all(signal.SIGCONT)
            seen = wire.items
            back = eventually(lambda: status(f"{base}/healthz") == 200, proc, 60)
            resumed = eventually(lambda: newest_item(base) > seen, proc, 90)
            alive = proc.poll() is None
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
        wire.shutdown()
        wire.server_close()
    text = log.read_text()
    assert turned, text
    assert bounded, text
    assert back and resumed, text
    assert alive
