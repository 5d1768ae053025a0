"""An ASGI entry point for external servers (`uvicorn --factory scheduler.asgi:create`).

Serving only: the process that runs `newsfeeds run` (or `serve`) does the polling and
rebuilding; these workers read the same archive and follow its rebuilds.
"""

from __future__ import annotations

import os

from feeds.http.app import App
from scheduler.config import load
from scheduler.service import Service


def create() -> App:
    """Build the serving application from the config named by NEWSFEEDS_CONFIG."""
    service = Service(load(os.environ.get("NEWSFEEDS_CONFIG", "config.toml")))
    service.app = service.make_app()
    return service.app
