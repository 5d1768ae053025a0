"""One dripping upstream among ten healthy ones on the same address (issue 3, Done-when).

`newsfeeds ingest` runs as a real subprocess against a threaded server on 127.0.0.1: the
ten feeds are ingested in the same pass, the drip is cut at `deadline_seconds`, backed off,
and shown failing by `newsfeeds sources` and by `/status.json` of `newsfeeds serve`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.service_support import NEWSFEEDS, ROOT, cli, free_port, sample_config, wait_until

GOOD = 10
DEADLINE = 2
INTERVAL = 300
DRIP_SECONDS = 60  # how long the drip would go on if nobody cut it


def good_feed(n: int) -> bytes:
    """A small valid RSS feed with two items of its own."""
    items = "".join(
        f"<item><guid isPermaLink='false'>good-{n}-{k}</guid><title>Story {k} of feed {n}</title>"
        f"<link>https://good{n}.example.com/story/{k}</link>"
        f"<description>Story {k} from feed {n}.</description>"
        f"<pubDate>Tue, 10 Mar 2026 0{k}:00:00 +0000</pubDate></item>"
        for k in (1, 2)
    )
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
        f"<title>Good {n}</title><link>https://good{n}.example.com/</link>"
        f"<description>Feed {n}</description>{items}</channel></rss>"
    ).encode()


class Upstream(BaseHTTPRequestHandler):
    """/good/<n>.rss answer at once; /drip.rss sends a byte every 0.2 s for half a minute."""

    stop = threading.Event()

    def do_GET(self) -> None:
        if self.path == "/drip.rss":
            self._drip()
            return
        name = self.path.removeprefix("/good/").removesuffix(".rss")
        if not name.isdigit():
            self.send_error(404)
            return
        body = good_feed(int(name))
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self) -> None:
        body = good_feed(99)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        ends = time.monotonic() + DRIP_SECONDS
        for byte in body:
            if self.stop.is_set() or time.monotonic() > ends:
                return
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return  # the client gave up, as it should
            time.sleep(0.2)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    server.daemon_threads = True
    Upstream.stop.clear()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        Upstream.stop.set()
        server.shutdown()
        server.server_close()


def config_for(tmp_path: Path, base: str, port: int) -> Path:
    """The sample config plus ten good sources and the drip among them, on one host:port."""
    sources = "".join(
        f'\n[[sources]]\nid = "{sid}"\nkind = "feed"\nurl = "{base}{path}"\n'
        f'interval_seconds = {INTERVAL}\nsection = "world"\n'
        for sid, path in [(f"good-{n}", f"/good/{n}.rss") for n in range(GOOD)]
    )
    drip = (
        f'\n[[sources]]\nid = "drip"\nkind = "feed"\nurl = "{base}/drip.rss"\n'
        f'interval_seconds = {INTERVAL}\nsection = "world"\n'
    )
    # the drip sits between the good ones: those after it must be ingested in the same pass
    half = sources.index("[[sources]]", len(sources) // 2)
    sources = sources[:half] + drip.lstrip("\n") + "\n" + sources[half:]
    fetch = f"\n[fetch]\ndeadline_seconds = {DEADLINE}\nhost_gap_seconds = 0\n"
    return sample_config(tmp_path, port, extra=fetch + sources)


def test_drip_is_cut_backed_off_and_reported_while_the_others_are_ingested(
    tmp_path: Path, upstream: str
) -> None:
    port = free_port()
    config = config_for(tmp_path, upstream, port)
    env = {"COLUMNS": "250"}  # rich tables wrap in narrow terminals

    started = time.monotonic()
    ingest = cli(config, "ingest", env=env, timeout=60)
    took = time.monotonic() - started

    assert ingest.returncode == 1, ingest.stderr  # some work failed: the drip
    assert took < DRIP_SECONDS / 2, f"ingest took {took:.1f} s: the drip was not cut"
    lines = {line.split(":", 1)[0]: line for line in ingest.stderr.splitlines() if ":" in line}
    for n in range(GOOD):
        assert lines[f"good-{n}"].startswith(f"good-{n}: ok, 2 new"), lines.get(f"good-{n}")
    assert lines["drip"].startswith("drip: failed"), lines.get("drip")
    assert "deadline_seconds" in lines["drip"]

    table = cli(config, "sources", env=env, timeout=60)
    assert table.returncode == 0, table.stderr
    rows = {line.split()[1]: line for line in table.stdout.splitlines() if line.startswith("│")}
    assert "failing" in rows["drip"]
    for n in range(GOOD):
        assert " ok " in rows[f"good-{n}"], rows[f"good-{n}"]

    status = served_status(config, port)
    drip = status["drip"]
    assert drip["healthy"] is False
    assert drip["consecutive_failures"] == 1
    assert "deadline_seconds" in str(drip["last_error"])
    tried = datetime.fromisoformat(str(drip["last_attempt"]))
    due = datetime.fromisoformat(str(drip["next_due"]))
    # exponential backoff: two intervals ±20 % jitter, never the plain interval
    assert (due - tried).total_seconds() > INTERVAL * 1.5
    assert all(status[f"good-{n}"]["healthy"] for n in range(GOOD))


def served_status(config: Path, port: int) -> dict[str, dict[str, object]]:
    """/status.json of `newsfeeds serve` (serving only, so nothing is polled meanwhile)."""
    proc = subprocess.Popen(
        [*NEWSFEEDS, "--config", str(config), "serve"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ},
    )
    try:
        wait_until(f"http://127.0.0.1:{port}/healthz", proc, timeout=30)
        body = requests.get(f"http://127.0.0.1:{port}/status.json", timeout=5).text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    return {row["id"]: row for row in json.loads(body)["sources"]}
