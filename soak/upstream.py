"""Upstream feeds on 127.0.0.1: one that grows while you watch, and ones that misbehave.

Paths: /wire.rss (a new item every second), /timeout, /reset, /drip, /huge (100 MB),
/bomb (a gzip bomb), /loop (redirects in a circle), /flaky (500 or 429 at random, else a
feed). Every fault served is counted by kind.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

FAULTS = ("timeout", "reset", "drip", "huge", "bomb", "loop", "flaky")
HUGE_BYTES = 100 * 1024 * 1024
BOMB_BYTES = 1024 * 1024 * 1024  # what the 1 MB of gzip inflates to
STALL_SECONDS = 8  # longer than the service's fetch timeout, bounded for our threads


def wire_feed(items: int, prefix: str = "wire") -> bytes:
    """An RSS feed whose item count grows with `items` (newest 30 listed)."""
    parts = []
    for n in range(max(0, items - 30) + 1, items + 1):
        parts.append(
            f"<item><title>{prefix} story {n}</title>"
            f"<link>https://news.example.com/world/{prefix}/{n}</link>"
            f"<guid isPermaLink='false'>urn:{prefix}:{n}</guid>"
            f"<pubDate>Sun, 01 Mar 2026 {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}"
            f" +0000</pubDate><description>Item {n} of the growing wire.</description></item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{prefix}</title><link>https://news.example.com/</link>"
        f"<description>soak upstream</description>{''.join(parts)}</channel></rss>"
    ).encode()


def _bomb() -> bytes:
    """1 GB of zeros, gzipped once (about 1 MB), reused for every request."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    zeros = bytes(1024 * 1024)
    chunks = [comp.compress(zeros) for _ in range(BOMB_BYTES // len(zeros))]
    chunks.append(comp.flush())
    return b"".join(chunks)


class Upstream(ThreadingHTTPServer):
    """The server, its fault counter and its random source."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, seed: int) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.counts: Counter[str] = Counter()
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.bomb = b""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        """A client hanging up mid-fault is the point of the fault, not news."""

    def count(self, kind: str) -> None:
        with self.lock:
            self.counts[kind] += 1


class Handler(BaseHTTPRequestHandler):
    """One request: a feed or a fault."""

    server: Upstream
    protocol_version = "HTTP/1.1"
    routes: ClassVar[dict[str, str]] = {f"/{f}": f"_{f}" for f in FAULTS}

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path.startswith("/wire"):
            self._feed(wire_feed(int(time.monotonic() - self.server.started) + 1, path[1:5]))
            return
        name = self.routes.get(path.rstrip("2"))
        if name is None:
            self.send_error(404)
            return
        self.server.count(path[1:].rstrip("2"))
        with contextlib.suppress(OSError):
            getattr(self, name)()

    def _feed(self, body: bytes, extra: dict[str, str] | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _timeout(self) -> None:
        time.sleep(STALL_SECONDS)  # never answers within the service's timeout
        self.close_connection = True

    def _reset(self) -> None:
        # SO_LINGER 0: close() sends RST instead of FIN
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        for _ in range(STALL_SECONDS * 4):  # a byte every 0.25 s beats any per-read timeout
            self.wfile.write(b" ")
            self.wfile.flush()
            time.sleep(0.25)
        self.close_connection = True

    def _huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        chunk = b"<!-- padding -->" * 4096
        for _ in range(HUGE_BYTES // len(chunk)):
            self.wfile.write(chunk)  # stops with an OSError once the client hangs up
        self.close_connection = True

    def _bomb(self) -> None:
        if not self.server.bomb:
            with self.server.lock:
                self.server.bomb = self.server.bomb or _bomb()
        self._feed(self.server.bomb, {"Content-Encoding": "gzip"})

    def _loop(self) -> None:
        self.send_response(302)
        self.send_header("Location", "/loop2" if self.path.startswith("/loop?") else "/loop?x")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _flaky(self) -> None:
        with self.server.lock:
            roll = self.server.rng.random()
        if roll < 0.4:
            self.send_error(500)
        elif roll < 0.8:
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._feed(wire_feed(5, "flak"))


@contextlib.contextmanager
def serving(seed: int) -> Iterator[Upstream]:
    """The upstream server on a background thread."""
    server = Upstream(seed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
