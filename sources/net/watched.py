"""requests sessions whose connections hand their sockets to the running fetch's limit.

A limit (sources/watchdog.py) can only shut sockets it knows: every connection these
sessions make, or reuse from their keep-alive pool, is reported to the limit of the fetch
running in this thread, from the moment its TCP connection exists (so a TLS handshake, the
status line, the headers and the body are all inside it).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection

from sources.net.watchdog import Limit

_running: ContextVar[Limit | None] = ContextVar("fetch_limit", default=None)


@contextmanager
def limited(seconds: float) -> Iterator[Limit]:
    """Run one exchange under a wall-clock limit of `seconds`."""
    with Limit(seconds) as limit:
        token = _running.set(limit)
        try:
            yield limit
        finally:
            _running.reset(token)


def _report(sock: socket.socket | None) -> None:
    limit = _running.get()
    if limit is not None and sock is not None:
        limit.watch(sock)


class _WatchedHTTP(HTTPConnection):
    """A connection that reports its socket to the running fetch's limit."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _report(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        # a kept-alive connection was opened under an earlier fetch's limit
        _report(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPS(_WatchedHTTP, HTTPSConnection):
    """The same over TLS (the raw socket is reported before the handshake)."""


class _WatchedHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTP


class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPS


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter with connection pools of watched connections."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> urllib3.ProxyManager:
        manager: urllib3.ProxyManager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


def new_session() -> requests.Session:
    """A requests session whose fetches the watchdog can cut off."""
    session = requests.Session()
    watch_session(session)
    return session


def watch_session(session: requests.Session) -> None:
    """Mount watched adapters on a session that has none yet."""
    if not isinstance(session.get_adapter("http://"), WatchedAdapter):
        session.mount("http://", WatchedAdapter())
        session.mount("https://", WatchedAdapter())
