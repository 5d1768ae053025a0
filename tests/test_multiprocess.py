"""Three real `newsfeeds run` processes on one PostgreSQL: shared polls, takeover, same bytes."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pg_support
import pytest
import requests

from feeds.archive import documents as docs
from feeds.archive.engine import open_store

ROOT = Path(__file__).resolve().parent.parent
NEWSFEEDS = str(Path(sys.executable).with_name("newsfeeds"))
SOURCES = 50
INTERVAL = 3.0
LEASE = 4.0
TOLERANCE = 1.5  # the scheduler's early tolerance (1 s with no jitter) plus timing noise
COUNTRIES = ("AU", "BR", "DE", "IN", "US")


class Upstream:
    """50 RSS feeds on 127.0.0.1 that record who fetched which one, and when."""

    def __init__(self) -> None:
        self.fetches: list[tuple[int, float, str]] = []  # (source, monotonic time, agent)
        self.extra: dict[int, str] = {}  # source -> title of an item added mid-test
        self._lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                n = int(self.path.removeprefix("/src/").removesuffix(".rss"))
                with upstream._lock:
                    upstream.fetches.append((n, time.monotonic(), self.headers["User-Agent"]))
                body = upstream.feed(n).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def feed(self, n: int) -> str:
        """Source n's RSS: one story, plus one more once `extra` names it."""
        items = [(f"story-{n}", f"Story {n}", "Tue, 10 Mar 2026 08:00:00 +0000")]
        if n in self.extra:
            items.append((f"extra-{n}", self.extra[n], "Tue, 10 Mar 2026 09:00:00 +0000"))
        body = "".join(
            f"<item><guid>https://up.example.com/{g}</guid><title>{t}</title>"
            f"<link>https://up.example.com/{g}</link><description>About {t}.</description>"
            f"<pubDate>{d}</pubDate></item>"
            for g, t, d in items
        )
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            f"<link>https://up.example.com/</link><description>w</description>{body}"
            "</channel></rss>"
        )

    def times(self, n: int, since: float = 0.0) -> list[float]:
        """When source n was fetched, oldest first."""
        with self._lock:
            return sorted(t for s, t, _ in self.fetches if s == n and t >= since)

    def busiest(self, since: float, until: float) -> int:
        """The index of the process that made the most fetches in a time window."""
        with self._lock:
            agents = Counter(a for _, t, a in self.fetches if since <= t < until)
        return int(agents.most_common(1)[0][0].removeprefix("p"))


def config(tmp_path: Path, i: int, port: int, store_url: str, upstream: int) -> Path:
    """Process i's config: its own port and user agent, the shared archive and sources."""
    sources = "".join(
        f'[[sources]]\nid = "src-{n:02d}"\nkind = "feed"\n'
        f'url = "http://127.0.0.1:{upstream}/src/{n}.rss"\ninterval_seconds = {int(INTERVAL)}\n'
        f'section = "world"\ncountries = ["{COUNTRIES[n % len(COUNTRIES)]}"]\n\n'
        for n in range(SOURCES)
    )
    text = f"""
[site]
title = "Daily Ledger"
base_url = "https://feeds.example.com"
authority = "news.example.com"

[server]
port = {port}

[store]
url = "{store_url}"

[scheduler]
min_interval_seconds = 1
jitter_seconds = 0
lease_seconds = {int(LEASE)}

[fetch]
host_gap_seconds = 0
user_agent = "p{i}"

[[sections]]
slug = "world"
title = "World"

{sources}"""
    home = tmp_path / f"p{i}"
    home.mkdir()
    (home / "config.toml").write_text(text, encoding="utf-8")
    return home / "config.toml"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(cfg: Path) -> subprocess.Popen[bytes]:
    """`newsfeeds run` in its own directory, its output kept in a file beside its config."""
    with (cfg.parent / "output.log").open("wb") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [NEWSFEEDS, "--config", str(cfg), "--log-level", "warning", "run"],
            cwd=cfg.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            # PYTHONPATH: the package itself, whatever the working directory (an editable
            # install made before feeds/ had its __init__.py sees it as a namespace package)
            env={**os.environ, "NEWSFEEDS_CRASH_AT": "", "PYTHONPATH": str(ROOT)},
        )


def wait_healthy(port: int, proc: subprocess.Popen[bytes], cfg: Path) -> None:
    """Wait until a process answers /healthz (failing early, with its log, if it died)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = (cfg.parent / "output.log").read_text(errors="replace")
            raise AssertionError(f"process exited with {proc.returncode}:\n{log}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"port {port} did not answer within 60 s")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A private, migrated PostgreSQL schema (before any process starts)."""
    pg_support.require()
    schema, url = pg_support.create_schema()
    open_store(url).dispose()
    try:
        yield url
    finally:
        pg_support.drop_schema(schema)


def check_spacing(upstream: Upstream, since: float) -> None:
    """No source was fetched twice within one interval (minus tolerance)."""
    for n in range(SOURCES):
        times = upstream.times(n, since)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(g >= INTERVAL - TOLERANCE for g in gaps), (n, gaps)


def check_counts(upstream: Upstream, since: float, until: float) -> None:
    """Each source was fetched as often as one process's schedule would fetch it."""
    expected = (until - since) / INTERVAL
    for n in range(SOURCES):
        count = len([t for t in upstream.times(n, since) if t < until])
        assert expected - 2 <= count <= expected + 1, (n, count, expected)


def same_everywhere(ports: list[int], paths: list[str]) -> dict[str, bytes]:
    """Every process answers every path with the same ETag and bytes; 304 to each other's."""
    bodies: dict[str, bytes] = {}
    for path in paths:
        answers = [
            requests.get(f"http://127.0.0.1:{p}{path}", headers={"Accept-Encoding": "identity"})
            for p in ports
        ]
        assert all(a.status_code == 200 for a in answers), (path, [a.status_code for a in answers])
        assert len({a.headers["ETag"] for a in answers}) == 1, path
        assert len({a.content for a in answers}) == 1, path
        for p in ports:  # a validator from one process is honoured by any other
            again = requests.get(
                f"http://127.0.0.1:{p}{path}",
                headers={
                    "Accept-Encoding": "identity",
                    "If-None-Match": answers[0].headers["ETag"],
                },
            )
            assert again.status_code == 304, (path, p)
        bodies[path] = answers[0].content
    return bodies


def converged(ports: list[int], paths: list[str]) -> bool:
    """Every process serves every path with one ETag (no rebuild still propagating)."""
    for path in paths:
        etags = {
            requests.get(
                f"http://127.0.0.1:{p}{path}", headers={"Accept-Encoding": "identity"}
            ).headers.get("ETag")
            for p in ports
        }
        if len(etags) != 1:
            return False
    return True


def wait_for(predicate: object, timeout: float) -> bool:
    """Poll a condition until it holds or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.3)
    return False


@pytest.mark.slow
@pytest.mark.pg
@pytest.mark.timeout(300)
def test_three_processes_share_polls_survive_a_kill_and_serve_the_same_bytes(
    tmp_path: Path, pg_url: str
) -> None:
    upstream = Upstream()
    ports = [free_port() for _ in range(3)]
    cfgs = [config(tmp_path, i, port, pg_url, upstream.port) for i, port in enumerate(ports)]
    procs = [start(cfg) for cfg in cfgs]
    try:
        for port, proc, cfg in zip(ports, procs, cfgs, strict=True):
            wait_healthy(port, proc, cfg)
        settled = time.monotonic() + INTERVAL  # everyone's schedule is running by now
        time.sleep(5 * INTERVAL + INTERVAL)
        killed_at = time.monotonic()
        # the first process due at a source polls it, so the split need not be even:
        # kill the busiest one, so that the others have something to take over
        victim = upstream.busiest(killed_at - 2 * INTERVAL, killed_at)
        procs[victim].send_signal(signal.SIGKILL)
        procs[victim].wait()
        time.sleep(7 * INTERVAL)
        ended = time.monotonic()

        check_spacing(upstream, settled)
        check_counts(upstream, settled, killed_at)
        takeover = killed_at + LEASE + 2 * INTERVAL + TOLERANCE  # a dead lease, then a tick
        check_counts(upstream, takeover, ended)
        survivors = [port for i, port in enumerate(ports) if i != victim]
        with_store = open_store(pg_url, run_migrations=False)
        try:
            with with_store.read() as conn:
                paths = [path for path, *_ in docs.listing(conn)]
        finally:
            with_store.dispose()
        assert len(paths) == 3 * (2 + 2 * len(COUNTRIES))  # latest, section, countries, combos
        assert wait_for(lambda: converged(survivors, paths), 4 * INTERVAL), "caches differ"
        before = same_everywhere(survivors, paths)  # also fills both processes' caches

        upstream.extra[0] = "Late breaking story"
        assert wait_for(
            lambda: all(
                b"Late breaking story"
                in requests.get(f"http://127.0.0.1:{p}/feeds/latest.rss").content
                for p in survivors
            ),
            4 * INTERVAL,
        ), "a rebuild by one process did not reach the other's cache"
        # the story's other feeds (its section, country, combination) are rebuilt one
        # transaction each after "latest", and each process learns of them within a second
        assert wait_for(lambda: converged(survivors, paths), 4 * INTERVAL), "caches differ"
        after = same_everywhere(survivors, paths)
        assert after["/feeds/latest.rss"] != before["/feeds/latest.rss"]
        assert after["/feeds/country/us.rss"] == before["/feeds/country/us.rss"]  # src 0 is AU
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        upstream.server.shutdown()
        upstream.server.server_close()
