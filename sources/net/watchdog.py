"""A wall-clock limit for one blocking exchange: when it passes, its sockets are shut down.

requests and urllib3 time out each socket operation, never a whole exchange, so a server
that sends a byte just inside every read timeout holds a status line, its headers or a body
for as long as it likes. One thread keeps every limit in force: shutting a socket down
(shutdown(2), not close) from it makes a read blocked on that socket in another thread
return end-of-file at once, wherever in the exchange it is.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from types import TracebackType


class Limit:
    """The deadline of one exchange and the sockets it watches (each a private duplicate)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._done = False
        self._pauses = 0

    def watch(self, sock: socket.socket) -> None:
        """Shut this socket down when the limit passes (at once if it has passed)."""
        # A duplicate descriptor keeps the connection itself, not a number another socket
        # could reuse once the exchange closed its own: shutting it down never hits a stranger.
        own = socket.socket(fileno=os.dup(sock.fileno()))
        with self._lock:
            if self._done:
                own.close()
                return
            self._sockets.append(own)
            if self.expired:
                _shut(own)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Stop the clock while the block runs (time spent waiting on ourselves, not the peer)."""
        began = time.monotonic()
        with self._lock:
            self._pauses += 1
        try:
            yield
        finally:
            with self._lock:
                self._pauses -= 1
                self.at += time.monotonic() - began
            WATCHDOG.add(self)

    def expire(self) -> None:
        """The limit passed: shut every watched socket down."""
        with self._lock:
            if self._done or self._pauses or time.monotonic() < self.at:  # or moved back
                return
            self.expired = True
            for own in self._sockets:
                _shut(own)

    def close(self) -> None:
        """The exchange is over: stop watching and drop the duplicates."""
        with self._lock:
            self._done = True
            sockets, self._sockets = self._sockets, []
        for own in sockets:
            own.close()

    def __enter__(self) -> Limit:
        WATCHDOG.add(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _shut(own: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the peer or by the exchange
        own.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """One daemon thread that expires limits in deadline order."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Limit]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, limit: Limit) -> None:
        """Keep a limit in force until it passes or its exchange closes it."""
        with self._wake:
            heapq.heappush(self._heap, (limit.at, next(self._order), limit))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)
                self._thread.start()
            if self._heap[0][2] is limit:
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._wake.wait(wait)
                _, _, due = heapq.heappop(self._heap)
            due.expire()


WATCHDOG = Watchdog()
