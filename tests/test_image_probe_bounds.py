"""The image probe is bounded: a server that drips, one that sends 100 MB, and one that
sends something else than an image each end the probe with a clear error or the size, and
never more than its first bytes are read."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest
from image_bytes import png

from sources.errors import FetchError
from sources.model.spec import FetchSettings
from sources.net.probe import HEAD_BYTES, NotAnImageError, probe

SETTINGS = FetchSettings(timeout_seconds=2.0, deadline_seconds=1.0, host_gap_seconds=0.0)
HUNDRED_MB = 100 * 1024 * 1024
_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n"


class Upstream:
    """A raw TCP server: a status line and headers, then `start`, then `fill` until
    `total` bytes or the client hangs up, each chunk after `pause` seconds."""

    def __init__(self, content_type: str, start: bytes, fill: bytes, total: int, pause: float):
        self.head = _HEAD.format(content_type, total).encode()
        self.start, self.fill, self.total, self.pause = start, fill, total, pause
        self.sent = 0  # body bytes written before the client hung up
        self.done = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/image"

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn, contextlib.suppress(OSError):
            conn.recv(65536)
            conn.sendall(self.head + self.start)
            self.sent = len(self.start)
            while self.sent < self.total and not self.done.wait(self.pause):
                part = self.fill[: self.total - self.sent]
                conn.sendall(part)
                self.sent += len(part)
        self.done.set()


@contextlib.contextmanager
def upstream(
    content_type: str, start: bytes, fill: bytes, total: int, pause: float = 0.0
) -> Iterator[Upstream]:
    server = Upstream(content_type, start, fill, total, pause)
    try:
        yield server
    finally:
        server.done.set()
        server.listener.close()
        server.thread.join(timeout=10)


def test_a_server_that_drips_is_cut_off_at_the_deadline() -> None:
    # the PNG signature, then one byte every 0.1 s: 30 s in all, never reaching IHDR
    with upstream("image/png", b"\x89PNG\r\n\x1a\n", b"\x00", 300, pause=0.1) as server:
        with pytest.raises(FetchError, match=r"gave up on .* after 1 s.*deadline_seconds"):
            probe(server.url, SETTINGS)
        server.thread.join(timeout=10)
    assert server.sent < 100  # the probe hung up long before the drip ended


def test_a_100_mb_image_is_read_only_as_far_as_its_size() -> None:
    with upstream("image/png", png(4000, 3000), b"\x00" * 65536, HUNDRED_MB) as server:
        assert probe(server.url, SETTINGS) == (4000, 3000)
        server.thread.join(timeout=30)
    # what is in flight is the sockets' buffers, not the 100 MB
    assert server.sent < 20 * 1024 * 1024


def test_a_100_mb_response_without_a_size_stops_after_the_head() -> None:
    # a JPEG whose comment segments go on and on: no frame header in the first bytes
    comment = b"\xff\xfe\xff\xff" + b"\x00" * 65533
    with upstream("image/jpeg", b"\xff\xd8", comment, HUNDRED_MB) as server:
        with pytest.raises(NotAnImageError, match=f"no image size in its first {HEAD_BYTES}"):
            probe(server.url, SETTINGS)
        server.thread.join(timeout=30)
    assert server.sent < 20 * 1024 * 1024


def test_a_response_that_is_not_an_image_ends_the_probe_at_once() -> None:
    page = b"<!doctype html><html><body>" + b"<p>no image here</p>" * 20
    with upstream("text/html", page, b"<p>more</p>" * 1000, HUNDRED_MB) as server:
        with pytest.raises(NotAnImageError, match="is not a PNG, GIF, JPEG or WebP image"):
            probe(server.url, SETTINGS)
        server.thread.join(timeout=30)
    assert server.sent < 20 * 1024 * 1024
