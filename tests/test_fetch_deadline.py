"""One wall-clock deadline for a whole exchange: status line and headers too, not only bodies.

Issue 17, case 2: an upstream that sent `HTTP/1.1 200 OK` and then one header byte a second
held a poll for 120 s against a 30 s deadline, because requests times out each read only.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sources.errors import FetchError
from sources.model.spec import FetchSettings
from sources.net.fetch import fetch
from sources.net.watched import new_session

NOW = datetime(2026, 3, 1, tzinfo=UTC)
# each read is far inside its timeout; the whole exchange is far past its deadline
SETTINGS = FetchSettings(timeout_seconds=2.0, deadline_seconds=1.0, host_gap_seconds=0.0)
DRIP_BYTES = 150  # one every 0.1 s: 15 s in all
FEED = b"<rss version='2.0'><channel><title>t</title><item><title>a</title></item></channel></rss>"


class Dripper:
    """A raw TCP upstream: answers its first `whole` requests at once, then drips a reply."""

    def __init__(self, head: bytes, whole: int = 0) -> None:
        self.head, self.whole = head, whole
        self.sent = 0  # bytes of the dripped part written before the client hung up
        self.finished = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/feed"

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn, contextlib.suppress(OSError):
            for _ in range(self.whole):  # keep-alive answers on the same connection
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                    b"Content-Length: " + str(len(FEED)).encode() + b"\r\n\r\n" + FEED
                )
            conn.recv(65536)
            conn.sendall(self.head)
            for _ in range(DRIP_BYTES):
                if self.finished.wait(0.1):
                    return
                conn.sendall(b"x")
                self.sent += 1
            conn.sendall(b": y\r\nContent-Length: 0\r\n\r\n")
        self.finished.set()

    def close(self) -> None:
        self.finished.set()
        self.listener.close()


@contextlib.contextmanager
def dripping(head: bytes, whole: int = 0) -> Iterator[Dripper]:
    server = Dripper(head, whole)
    try:
        yield server
    finally:
        server.close()


@pytest.mark.parametrize(
    "head",
    [b"HTTP/1.1 200 OK\r\nX-Slow", b"HTTP/1.1 2"],
    ids=["header-bytes", "status-line-bytes"],
)
def test_a_dripped_status_line_or_header_is_cut_at_the_deadline(head: bytes) -> None:
    with dripping(head) as server, pytest.raises(FetchError, match="deadline_seconds"):
        fetch(server.url, SETTINGS, now=NOW)
    assert server.sent < DRIP_BYTES  # the client hung up long before the headers ended


def test_a_kept_alive_connection_is_watched_on_its_next_request() -> None:
    with dripping(b"HTTP/1.1 200 OK\r\nX-Slow", whole=1) as server, new_session() as session:
        first = fetch(server.url, SETTINGS, now=NOW, session=session)
        assert first.body == FEED
        with pytest.raises(FetchError, match="deadline_seconds"):
            fetch(server.url, SETTINGS, now=NOW, session=session)
    assert server.sent < DRIP_BYTES


def test_a_response_inside_the_deadline_is_untouched() -> None:
    with dripping(b"", whole=1) as server:
        got = fetch(server.url, SETTINGS, now=NOW)
    assert got.status == 200 and got.body == FEED
