"""Optional throttling of one client that re-downloads a feed it could revalidate."""

from __future__ import annotations

import hashlib
import ipaddress
import os
from collections.abc import Sequence

from feeds.readers.recognize import Consumer
from feeds.readers.tally import Clock

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_REMEMBERED_MAX = 100_000  # clients × feeds remembered; past it, stale entries are dropped


def networks(allowed: Sequence[str]) -> tuple[Network, ...]:
    """`[server] forwarded_allow_ips` as networks (a bare address is a /32 or /128)."""
    return tuple(ipaddress.ip_network(a, strict=False) for a in allowed)


def client_address(peer: str | None, forwarded: bytes | None, trusted: tuple[Network, ...]) -> str:
    """The client: the socket peer, or from X-Forwarded-For when the peer is a trusted proxy.

    The header is read right to left, skipping trusted proxies: the first other address is
    the one the nearest trusted proxy saw (anything left of it is the client's to invent).
    """
    address = peer or ""
    if forwarded is None or not _is_trusted(address, trusted):
        return address
    for hop in reversed(forwarded.decode("latin-1").split(",")):
        hop = hop.strip()
        if not _is_trusted(hop, trusted):
            return hop
        address = hop
    return address


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


class Throttle:
    """429 for a consumer polling one feed unconditionally more often than min_poll_seconds.

    A consumer is a family with one client address, never a whole library family; known
    aggregators and crawlers fetch for many and are never throttled. Addresses are kept only
    as salted hashes, in memory.
    """

    def __init__(self, min_poll_seconds: float, clock: Clock) -> None:
        self.min_poll = min_poll_seconds
        self.clock = clock
        self._salt = os.urandom(16)
        self._last: dict[bytes, float] = {}

    def wait(self, who: Consumer, client: str, path: str, *, conditional: bool) -> int | None:
        """Seconds the client must wait, or None to serve it."""
        if who.is_known_aggregator or conditional:
            return None  # a conditional poll costs a 304: nothing to save
        now = self.clock()
        key = hashlib.blake2b(
            f"{who.family}\0{client}\0{path}".encode(), digest_size=12, key=self._salt
        ).digest()
        last = self._last.get(key)
        if last is not None and now - last < self.min_poll:
            return max(1, int(self.min_poll - (now - last) + 0.999))
        if len(self._last) >= _REMEMBERED_MAX:
            self._forget(now)
        self._last[key] = now
        return None

    def _forget(self, now: float) -> None:
        self._last = {k: t for k, t in self._last.items() if now - t < self.min_poll}
