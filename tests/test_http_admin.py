"""Operator pages behind a token and/or loopback; feeds and health stay open."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from http_support import write_config

from feeds.http.app import App
from scheduler.config import load
from scheduler.service import Service

ADMIN = ("/status", "/status.json", "/metrics")


def status_of(
    app: App,
    path: str,
    client: str,
    token: str | None = None,
    on_body: Callable[[str], object] | None = None,
) -> int:
    """One request through the ASGI app, as if from `client`; `on_body` gets its text."""
    transport = httpx.ASGITransport(app=app, client=(client, 40000))
    headers = {"authorization": f"Bearer {token}"} if token else {}

    async def go() -> int:
        async with httpx.AsyncClient(transport=transport, base_url="http://feeds.test") as c:
            reply = await c.get(path, headers=headers)
            if on_body is not None:
                on_body(reply.text)
            return reply.status_code

    return asyncio.run(go())


def app_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str, *, token: str | None = "letmein"
) -> App:
    """A service's app, its config extended with an [admin] table."""
    env = f"NEWSFEEDS_TEST_ADMIN_{uuid.uuid4().hex[:8]}"
    if token is not None:
        monkeypatch.setenv(env, token)
    cfg = write_config(tmp_path)
    cfg.path.write_text(
        cfg.path.read_text(encoding="utf-8") + "\n[admin]\n" + extra.format(env=env),
        encoding="utf-8",
    )
    service = Service(load(cfg.path))
    return service.make_app()


def test_status_is_private_by_default(tmp_path: Path) -> None:
    """Issue 17, case 8: on 7710bd8 /status and /status.json answered anyone (200)."""
    app = Service(write_config(tmp_path)).make_app()
    for path in ("/status", "/status.json", "/status/readers"):  # and any page added later
        assert status_of(app, path, "203.0.113.9") == 403
    assert status_of(app, "/status", "127.0.0.1") == 200
    assert status_of(app, "/status.json", "::1") == 200
    assert status_of(app, "/metrics", "203.0.113.9") == 200  # Prometheus scrapes from afar
    assert status_of(app, "/healthz", "203.0.113.9") == 200


def test_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_with(tmp_path, monkeypatch, 'token_env = "{env}"\n')
    for path in ADMIN:
        assert status_of(app, path, "127.0.0.1") == 401
        assert status_of(app, path, "127.0.0.1", "guess") == 403
        assert status_of(app, path, "203.0.113.9", "letmein") == 200
    assert status_of(app, "/healthz", "203.0.113.9") == 200
    assert status_of(app, "/", "203.0.113.9") == 200


def test_loopback_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_with(tmp_path, monkeypatch, "loopback_only = true\n")
    for path in ADMIN:
        assert status_of(app, path, "203.0.113.9") == 403
        assert status_of(app, path, "127.0.0.1") == 200
        assert status_of(app, path, "::1") == 200
    assert status_of(app, "/feeds.opml", "203.0.113.9") == 200


def test_token_and_loopback_both_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_with(tmp_path, monkeypatch, 'token_env = "{env}"\nloopback_only = true\n')
    assert status_of(app, "/metrics", "203.0.113.9", "letmein") == 403
    assert status_of(app, "/metrics", "127.0.0.1") == 401
    assert status_of(app, "/metrics", "127.0.0.1", "letmein") == 200


def test_an_unset_token_variable_locks_the_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_with(tmp_path, monkeypatch, 'token_env = "{env}"\n', token=None)
    assert status_of(app, "/metrics", "127.0.0.1") == 401
    assert status_of(app, "/metrics", "127.0.0.1", "anything") == 403
