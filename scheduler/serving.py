"""The HTTP side of the service: the ASGI app with the push API mounted, and uvicorn.

Both ways of serving (this process, or `[server] workers` processes) run the limited
httptools protocol (feeds/http/protocol.py), with the connection cap checked against this
process's open-file limit.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from feeds.archive.engine import Store
from feeds.http.admin import AdminAccess
from feeds.http.api import PushApi, PushSettings, parse_tokens
from feeds.http.app import App
from feeds.http.held import held_rows
from feeds.http.protocol import HttpLimits, LimitedConfig
from feeds.intake.push import PushIntake
from feeds.readers.runtime import Analytics
from feeds.readers.tally import Clock
from scheduler.clock import utcnow
from scheduler.config import Config
from scheduler.errors import ConfigError
from sources.kinds import push

log = logging.getLogger(__name__)


def build_app(
    cfg: Config, store: Store, *, on_push: Callable[[], None], clock: Clock = time.time
) -> App:
    """The ASGI application; `on_push` is asked for a rebuild after a push changed feeds;
    `clock` times reader counts (tests inject one)."""
    env, access = os.environ, cfg.access
    tokens = parse_tokens(env.get(access.api_tokens_env, ""))
    if not tokens:
        log.info("push API not enabled: no tokens in $%s", access.api_tokens_env)
    intake = PushIntake(
        store, push.implicit_source(cfg.sections[0].slug), cfg.intake, read=push.raw_items
    )
    api = PushApi(
        intake,
        PushSettings(
            tokens=tokens,
            max_body_bytes=access.api_max_body_bytes,
        ),
        on_change=lambda _feeds: on_push(),
        now=utcnow,
    )
    admin = AdminAccess(
        token_required=access.admin_token_env is not None,
        token=env.get(access.admin_token_env or "", ""),
        loopback_only=access.admin_loopback_only,
    )
    return App(
        store,
        cfg.site,
        cfg.serve,
        configured_sources=cfg.configured_sources(),
        is_current=cfg.is_current,
        extra_routes=api.routes(),
        admin=admin,
        analytics=Analytics(store, cfg.analytics, clock) if cfg.analytics.enabled else None,
        # config load checked each auth_env is set; a partner without one is open, and
        # one whose variable is empty by now admits nobody (feeds/http/partner_gate.py)
        partner_secrets={p.id: env.get(p.auth_env, "") for p in cfg.partners if p.auth_env},
        held=functools.partial(held_rows, store, cfg.site, cfg.partners, utcnow),
    )


# descriptors kept for everything but clients: archive files and connections, fetches,
# the watchdog's duplicates, logs, the event loop's own
RESERVED_FILES = 128
_UNLIMITED = 65536  # what an unlimited soft limit is taken to be


def open_file_limit() -> int:
    """This process's soft limit on open files."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return _UNLIMITED if soft == resource.RLIM_INFINITY else int(soft)


def limits_of(cfg: Config) -> HttpLimits:
    """The configured HTTP limits, max_connections kept below the open-file limit."""
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


def _options(cfg: Config) -> dict[str, Any]:
    """Every server of ours: the limited protocol, requests counted by the app itself, no
    Server header."""
    return {
        "host": cfg.host,
        "port": cfg.port,
        "access_log": False,
        "server_header": False,
        # X-Forwarded-For replaces the peer only from these ([server] forwarded_allow_ips);
        # an empty list turns uvicorn's proxy headers off
        **proxy_options(cfg.analytics.forwarded_allow_ips),
        "log_config": None,
        "limits": limits_of(cfg),
    }


def proxy_options(allowed: tuple[str, ...]) -> dict[str, Any]:
    """uvicorn's options for trusting X-Forwarded-For (and -Proto) from these peers only."""
    if not allowed:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(allowed)}


def serve_here(cfg: Config, app: App) -> None:
    """Serve `app` from this process until SIGINT/SIGTERM."""
    QuietServer(LimitedConfig(app, lifespan="on", **_options(cfg))).run()


def serve_workers(cfg: Config) -> None:
    """Serve from `server.workers` processes; the calling one keeps polling and rebuilding.

    Each worker builds its app from the same config (scheduler.asgi) and follows this
    process's rebuilds through the archive, as separate hosts would.
    """
    os.environ["NEWSFEEDS_CONFIG"] = str(cfg.path.resolve())
    config = LimitedConfig(
        "scheduler.asgi:create", factory=True, workers=cfg.workers, **_options(cfg)
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


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM (a process that polls and rebuilds but serves nothing)."""
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
