"""uvicorn's httptools protocol with the limits it has no setting for.

A request's head (request line and header fields) may hold `max_header_bytes` (over it:
431, RFC 6585 §5) and must arrive within `header_timeout_seconds` of its first byte (else
408, RFC 9110 §15.5.9); a connection with no request in progress is closed after
`idle_timeout_seconds`. At most `max_connections` are open: a new one past it closes the
longest-idle connection (RFC 9112 §9.8 lets a server close an idle one at any time), or,
when every one is busy, is answered 503 and closed. The counting happens before httptools
buffers a byte, so an unfinished 50 MB header costs the limit, not 50 MB.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """How much a client may send before its request is read, and how long it may take."""

    max_header_bytes: int = 16384
    header_timeout_seconds: float = 10.0
    idle_timeout_seconds: float = 30.0
    max_connections: int | None = None  # None: no cap (the service always sets one)


class LimitedConfig(uvicorn.Config):
    """uvicorn's config with our limits; it pickles whole, so `[server] workers` get them."""

    def __init__(self, app: Any, *, limits: HttpLimits, **kwargs: Any) -> None:
        super().__init__(app, http=LimitedHttpProtocol, **kwargs)
        self.limits = limits


# per server: its connections with no request in progress, longest idle first
_idle_by_server: weakref.WeakKeyDictionary[ServerState, dict[LimitedHttpProtocol, None]] = (
    weakref.WeakKeyDictionary()
)


class LimitedHttpProtocol(HttpToolsProtocol):
    """One HTTP/1.1 connection under HttpLimits."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits: HttpLimits = getattr(config, "limits", HttpLimits())
        self.timeout_keep_alive = self.limits.idle_timeout_seconds  # type: ignore[assignment]
        self._idle = _idle_by_server.setdefault(server_state, {})
        self._in_head = True  # between requests or reading a head: bytes count against it
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        cap = self.limits.max_connections
        if cap is not None and len(self.connections) > cap and not self._close_idlest():
            self._refuse(503, "too many connections; retry shortly")
            return
        self._idle[self] = None
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._idle.pop(self, None)
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self._in_head:
            super().data_received(data)
            return
        if self._head_bytes == 0:  # a request begins: the connection is busy
            self._idle.pop(self, None)
        room = self.limits.max_header_bytes - self._head_bytes
        if len(data) <= room:
            self._head_bytes += len(data)
            super().data_received(data)
            self._time_head()
            return
        # More than the head may still hold: parse what fits; the rest is the body (or the
        # next request) only if the head ended within it.
        self._head_bytes += max(room, 0)
        if room > 0:
            super().data_received(data[:room])
        if self.transport.is_closing():
            return
        if self._in_head:
            self._refuse(431, "request header fields too large")
            return
        self.data_received(data[room:])

    def _time_head(self) -> None:
        """A head that did not arrive whole in one read must end in header_timeout_seconds."""
        # most heads arrive whole, and cost no timer
        unfinished = self._in_head and self._head_bytes and self._head_timer is None
        if unfinished and not self.transport.is_closing():
            self._head_timer = self.loop.call_later(
                self.limits.header_timeout_seconds, self._head_too_slow
            )

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._stop_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._in_head and self._head_timer is None and not self.transport.is_closing():
            self._idle.pop(self, None)
            self._idle[self] = None  # idle from now: the last to be closed

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self._refuse(408, "request headers took too long")

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _close_idlest(self) -> bool:
        """Close the connection idle the longest to make room; False when none is idle."""
        victim = next((c for c in self._idle if c is not self), None)
        if victim is None:
            return False
        self._idle.pop(victim)
        victim.transport.close()
        return True

    def _refuse(self, status: int, message: str) -> None:
        """Answer with an error and close, reading nothing more."""
        self._idle.pop(self, None)
        self._stop_head_timer()
        body = (message + "\n").encode("ascii")
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head.extend([name, b": ", value, b"\r\n"])
        if status == 503:
            head.append(b"retry-after: 5\r\n")
        head.append(
            b"content-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n\r\n"
        )
        self.transport.write(b"".join(head) + body)
        self.transport.close()
