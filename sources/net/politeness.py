"""Per-host politeness: one request at a time to a host, with a minimum gap between them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

HostKey = tuple[str, int]

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass
class _Slot:
    """One host's lock and the monotonic time its last request finished."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    last_done: float | None = None


_registry_lock = threading.Lock()
_slots: dict[HostKey, _Slot] = {}
_slow: set[HostKey] = set()  # hosts whose last exchange ran into a timeout or the deadline


def host_key(url: str) -> HostKey:
    """The (host, port) a URL is served from; keyed by port too, so 127.0.0.1 test servers
    (and real hosts serving on several ports) are separate upstreams."""
    parts = urlsplit(url)
    port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    return ((parts.hostname or "").lower(), port)


def _slot(key: HostKey) -> _Slot:
    """The process-wide slot for a host, created on first use."""
    with _registry_lock:
        slot = _slots.get(key)
        if slot is None:
            slot = _slots[key] = _Slot()
        return slot


@contextmanager
def turn(key: HostKey, gap_seconds: float) -> Iterator[None]:
    """Hold the host for one request: wait for the previous one and the gap after it."""
    slot = _slot(key)
    with slot.lock:
        if slot.last_done is not None:
            wait = slot.last_done + gap_seconds - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        try:
            yield
        finally:
            # The gap runs from the end of a request, so a slow response is not followed
            # immediately by the next one.
            slot.last_done = time.monotonic()


def note_slow(key: HostKey, slow: bool) -> None:
    """Record how a host's last exchange went: cut off by a timeout (slow) or answered."""
    with _registry_lock:
        if slow:
            _slow.add(key)
        else:
            _slow.discard(key)


def is_slow(key: HostKey) -> bool:
    """True when the host's last exchange ran into a timeout or the deadline."""
    return key in _slow
