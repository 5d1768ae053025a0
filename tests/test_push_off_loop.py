"""A large push is decoded and checked in a worker thread, never on the event loop.

Issue 17, case 8: one 1 MB push of 1,683 articles was validated on the event loop and
stalled /healthz for 381 ms (every request waits while the loop is busy). The stall itself
is measured by the soak (`net` phase); this test pins down where the work runs.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from http_support import fetch, record, serving, write_config

from scheduler.service import Service
from sources.kinds import push

TOKEN = "s3cret-big-push-token"
ARTICLES = 1_700


def where(ran: list[str], real: Callable[..., Any]) -> Callable[..., Any]:
    """`real`, noting whether each call ran on an event loop's thread."""

    def probe(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            ran.append("event loop")
        except RuntimeError:
            ran.append("worker thread")
        return real(*args, **kwargs)

    return probe


def big_batch() -> bytes:
    """About 1 MB of CMS records, ARTICLES of them."""
    text = "A paragraph of the story, long enough to make the batch weigh what a CMS sends. "
    batch = [record(n, summary=f"{n}: {text * 6}", section="World") for n in range(ARTICLES)]
    return json.dumps(batch).encode()


def test_a_1_mb_push_is_checked_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = f"NEWSFEEDS_TEST_TOKENS_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(env, f"cms:{TOKEN}")
    ran: list[str] = []
    monkeypatch.setattr(push, "raw_items", where(ran, push.raw_items))
    body = big_batch()
    assert 900_000 < len(body) < 1_100_000
    service = Service(write_config(tmp_path, tokens_env=env, max_body=1_100_000))
    service.app = service.make_app()
    try:
        with serving(service.app) as port:
            headers = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
            reply = fetch(port, "/api/articles", headers, method="POST", body=body)
    finally:
        service.store.dispose()
    assert reply.status == 202, reply.body[:300]
    assert json.loads(reply.body)["accepted"] == ARTICLES
    assert ran == ["worker thread"]  # read (decoded and checked) off the event loop
