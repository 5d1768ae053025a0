"""The HTTP side of the service: the ASGI app with the push API mounted, and uvicorn."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from feeds.archive.engine import Store
from feeds.http.admin import AdminAccess
from feeds.http.api import PushApi, PushSettings, parse_tokens
from feeds.http.app import App
from feeds.intake.push import PushIntake
from scheduler.clock import utcnow
from scheduler.config import Config
from sources.kinds import push

log = logging.getLogger(__name__)


def build_app(cfg: Config, store: Store, *, on_push: Callable[[], None]) -> App:
    """The ASGI application; `on_push` is asked for a rebuild after a push changed feeds."""
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
    )


# Every server of ours: requests counted by the app itself, no Server header, bounded keep-alive
_SERVER_OPTIONS: dict[str, Any] = {
    "access_log": False,
    "server_header": False,
    "log_config": None,
    "timeout_keep_alive": 30,
}


def uvicorn_config(cfg: Config, app: App) -> uvicorn.Config:
    """uvicorn settings: our own access counting, no server header, bounded keep-alive."""
    return uvicorn.Config(app, host=cfg.host, port=cfg.port, lifespan="on", **_SERVER_OPTIONS)


def serve_workers(cfg: Config) -> None:
    """Serve from `server.workers` processes; the calling one keeps polling and rebuilding.

    Each worker builds its app from the same config (scheduler.asgi) and follows this
    process's rebuilds through the archive, as separate hosts would.
    """
    os.environ["NEWSFEEDS_CONFIG"] = str(cfg.path.resolve())
    config = uvicorn.Config(
        "scheduler.asgi:create",
        factory=True,
        workers=cfg.workers,
        host=cfg.host,
        port=cfg.port,
        **_SERVER_OPTIONS,
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
