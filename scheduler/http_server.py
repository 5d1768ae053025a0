"""The embedded HTTP server: uvicorn in this process, or `[server] workers` processes.

Both run the limited httptools protocol (feeds/http/protocol.py), with the connection cap
checked against this process's open-file limit.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from feeds.http.app import App
from feeds.http.protocol import HttpLimits, LimitedConfig

from .config import Config
from .errors import ConfigError

# descriptors kept for everything but clients: archive files and connections, fetches,
# the watchdog's duplicates, logs, the event loop's own
RESERVED_FILES = 128
_UNLIMITED = 65536  # what an unlimited soft limit is taken to be


def open_file_limit() -> int:
    """This process's soft limit on open files."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return _UNLIMITED if soft == resource.RLIM_INFINITY else int(soft)


def limits_of(cfg: Config) -> HttpLimits:
    """The configured limits, max_connections kept below the open-file limit."""
    room = open_file_limit() - RESERVED_FILES
    wanted = cfg.http_limits.max_connections
    if wanted is None:
        return replace(cfg.http_limits, max_connections=max(16, room))
    if wanted > room:
        raise ConfigError(
            [
                f"server.max_connections: must be ≤ {room} (the open-file soft limit "
                f"{open_file_limit()} less {RESERVED_FILES} kept for the archive, fetches "
                f"and logs; raise `ulimit -n` or lower it), got {wanted}"
            ]
        )
    return replace(cfg.http_limits, max_connections=wanted)


def _common(cfg: Config) -> dict[str, Any]:
    """uvicorn settings both paths share: our own access counting, no server header."""
    return {
        "host": cfg.host,
        "port": cfg.port,
        "access_log": False,
        "server_header": False,
        "log_config": None,
        "limits": limits_of(cfg),
    }


def serve_here(cfg: Config, app: App) -> None:
    """Serve `app` from this process until SIGINT/SIGTERM."""
    QuietServer(LimitedConfig(app, lifespan="on", **_common(cfg))).run()


def serve_workers(cfg: Config) -> None:
    """Serve from `server.workers` processes; the caller keeps polling and rebuilding.

    Each worker builds its app from the same config (scheduler.asgi) and follows the
    rebuilds through the archive, as separate hosts would.
    """
    os.environ["NEWSFEEDS_CONFIG"] = str(cfg.path.resolve())
    config = LimitedConfig(
        "scheduler.asgi:create", factory=True, workers=cfg.workers, **_common(cfg)
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()


class QuietServer(uvicorn.Server):
    """uvicorn, stopping gracefully on SIGINT/SIGTERM without re-raising the signal.

    uvicorn re-raises the signal after shutdown, which makes a clean stop exit with
    status -15; an operator's supervisor should see 0 for a requested, clean stop.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {
            sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
