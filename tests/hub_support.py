"""A fake WebSub hub on 127.0.0.1 that records the publish pings it receives."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Hub(ThreadingHTTPServer):
    """Records publish pings (hub.url of each) and answers 204."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.daemon_threads = True
        self.received: list[str] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hub"

    def topics(self) -> list[str]:
        """Every topic pinged so far, in arrival order (repeats kept)."""
        with self.lock:
            return list(self.received)


class _Handler(BaseHTTPRequestHandler):
    server: Hub

    def do_POST(self) -> None:
        size = int(self.headers.get("content-length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(size).decode())
        with self.server.lock:
            self.server.received.extend(form.get("hub.url", []))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def running_hub() -> Iterator[Hub]:
    """A hub serving on a thread until the block ends."""
    hub = Hub()
    thread = threading.Thread(target=hub.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        hub.shutdown()
        hub.server_close()
