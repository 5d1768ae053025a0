"""Slow and dead upstream hosts beside healthy ones: the healthy ones must poll on time.

Eight hosts send `HTTP/1.1 200 OK` and then one header byte a second (inside any read
timeout, never done); one host accepts connections and never answers, with eight feeds on
it; a healthy host has four feeds polled every 2 s. Figures: how late the healthy feeds
were beyond their interval (target: the fetch deadline at most), how long a slow exchange
lasted (the deadline, cut by the watchdog), and how long SIGTERM took with slow
exchanges in flight.
"""

from __future__ import annotations

import contextlib
import itertools
import select
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from soak.figures import Figure, measured
from soak.service import Setup, free_port, start, stop, wait_ready

PHASE = "slowhosts"
SLOW_HOSTS = 8
DEAD_FEEDS = 8
HEALTHY_FEEDS = 4
INTERVAL = 2
DEADLINE = 5  # the soak config's [fetch] deadline_seconds
FEED = (
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>ok</title>"
    b"<link>https://ok.example.com/</link><description>d</description><item><title>One</title>"
    b"<link>https://ok.example.com/1</link><guid>ok-1</guid></item></channel></rss>"
)


@dataclass
class Dripper:
    """A host whose every answer stops after the status line: a header byte a second."""

    listener: socket.socket = field(default_factory=lambda: socket.create_server(("127.0.0.1", 0)))
    lasted: list[float] = field(default_factory=list)  # seconds until the client hung up
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/slow.rss"

    def serve(self) -> None:
        with contextlib.suppress(OSError):
            while not self.stopping.is_set():
                conn, _ = self.listener.accept()
                threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        began = time.monotonic()
        with conn, contextlib.suppress(OSError):
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            for _ in range(120):  # bounded: two minutes at most
                readable, _, _ = select.select([conn], [], [], 1.0)
                if readable and not conn.recv(1):
                    break  # the client hung up
                if self.stopping.is_set():
                    return
                conn.sendall(b"x")
        self.lasted.append(time.monotonic() - began)

    def close(self) -> None:
        self.stopping.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


class Healthy(ThreadingHTTPServer):
    """A host that answers at once and notes when each path was asked for."""

    daemon_threads = True

    def __init__(self) -> None:
        self.seen: dict[str, list[float]] = defaultdict(list)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.seen[self.path].append(time.monotonic())
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(FEED)))
                self.end_headers()
                self.wfile.write(FEED)

            def log_message(self, format: str, *args: object) -> None:
                return

        super().__init__(("127.0.0.1", 0), Handler)


@contextlib.contextmanager
def upstreams() -> Iterator[tuple[list[Dripper], socket.socket, Healthy]]:
    """The slow hosts, the dead host (a listener nobody answers) and the healthy host."""
    drippers = [Dripper() for _ in range(SLOW_HOSTS)]
    for d in drippers:
        threading.Thread(target=d.serve, daemon=True).start()
    dead = socket.create_server(("127.0.0.1", 0), backlog=64)
    healthy = Healthy()
    threading.Thread(target=healthy.serve_forever, daemon=True).start()
    try:
        yield drippers, dead, healthy
    finally:
        for d in drippers:
            d.close()
        dead.close()
        healthy.shutdown()
        healthy.server_close()


def _source(name: str, url: str) -> str:
    return (
        f'\n[[sources]]\nid = "{name}"\nkind = "feed"\nurl = "{url}"\n'
        f'interval_seconds = {INTERVAL}\nsection = "world"\n'
    )


def _sources(drippers: list[Dripper], dead: socket.socket, healthy: Healthy) -> str:
    dead_base = f"http://127.0.0.1:{dead.getsockname()[1]}"
    ok_base = f"http://127.0.0.1:{healthy.server_address[1]}"
    return "".join(
        [_source(f"slow-{k}", d.url) for k, d in enumerate(drippers)]
        + [_source(f"dead-{k}", f"{dead_base}/d{k}.rss") for k in range(DEAD_FEEDS)]
        + [_source(f"ok-{k}", f"{ok_base}/ok{k}.rss") for k in range(HEALTHY_FEEDS)]
    )


def _worst_lateness(healthy: Healthy) -> tuple[float, int]:
    """The most any healthy feed's poll came later than its interval; polls counted."""
    worst, polls = 0.0, 0
    for times in healthy.seen.values():
        polls += len(times)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        worst = max([worst, *(g - INTERVAL for g in gaps)])
    return worst, polls


def run(work: Path, seconds: float) -> list[Figure]:
    """Poll every kind of host for `seconds`, then stop the service with SIGTERM."""
    with upstreams() as (drippers, dead, healthy):
        setup = Setup(work, free_port(), work / "slow.db", _sources(drippers, dead, healthy))
        proc = start(setup)
        try:
            wait_ready(setup, proc)
            healthy.seen.clear()  # from here on, every host has been tried at least once
            time.sleep(seconds)
            began = time.monotonic()
            stop(proc)
            sigterm = time.monotonic() - began
        finally:
            stop(proc, kill=True)
        worst, polls = _worst_lateness(healthy)
        lasted = [t for d in drippers for t in d.lasted]
    return [
        measured(PHASE, "healthy feeds' polls", polls, "> 0", lambda v: v > 0),
        measured(
            PHASE,
            "healthy feeds: worst delay beyond their interval (s)",
            worst,
            f"≤ {DEADLINE} (the fetch deadline)",
            lambda v: v <= DEADLINE,
        ),
        measured(
            PHASE,
            "longest slow-header exchange (s)",
            max(lasted, default=0.0),
            f"≤ {DEADLINE + 1} (deadline + 1)",
            lambda v: 0 < v <= DEADLINE + 1,
        ),
        Figure(PHASE, "slow-header exchanges cut off", len(lasted), "", None),
        measured(
            PHASE,
            "SIGTERM to exit, slow exchanges in flight (s)",
            sigterm,
            f"≤ {DEADLINE + 10}",
            lambda v: v <= DEADLINE + 10,
        ),
    ]
