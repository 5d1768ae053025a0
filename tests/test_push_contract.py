"""One rule for unknown fields in the push API and the drop folder; a push API not enabled.

Unknown fields are ignored, never an error, in both (a CMS may send its whole export), and
both name them: the push API in its 202 answer, the drop folder in the poll's warning.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from http_support import eventually, fetch, record, serving, write_config

from scheduler import jobs
from scheduler.service import Service
from sources.kinds import files
from sources.kinds.base import CollectContext
from sources.model.spec import FetchSettings, SourceSpec
from sources.model.state import SourceState

TOKEN = "s3cret-cms-token"
EXTRA = {"slug": "g20-talks", "desk": "world"}
IMAGE = {"url": "https://news.test/i.jpg", "focus": "centre"}


@contextmanager
def _running(tmp_path: Path, tokens_env: str) -> Iterator[tuple[Service, int]]:
    service = Service(write_config(tmp_path, tokens_env=tokens_env))
    service.app = service.make_app()
    service.rebuilder.start()
    with serving(service.app) as port:
        yield service, port
    service.rebuilder.stop()
    service.store.dispose()


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Service, int]]:
    env = f"NEWSFEEDS_TEST_TOKENS_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(env, f"cms:{TOKEN}")
    with _running(tmp_path, env) as running:
        yield running


@pytest.fixture
def without_tokens(tmp_path: Path) -> Iterator[tuple[Service, int]]:
    with _running(tmp_path, f"NEWSFEEDS_TEST_UNSET_{uuid.uuid4().hex[:8]}") as running:
        yield running


def _post(port: int, payload: object, token: str | None = TOKEN) -> tuple[int, dict[str, object]]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    reply = fetch(port, "/api/articles", headers, method="POST", body=json.dumps(payload).encode())
    return reply.status, json.loads(reply.body)


def test_push_accepts_unknown_fields_and_names_them(service: tuple[Service, int]) -> None:
    svc, port = service
    status, answer = _post(port, [record(1), record(2, image=IMAGE, **EXTRA)])
    assert status == 202, answer
    assert answer["accepted"] == 2 and answer["new"] == 2
    assert answer["ignored"] == [
        {"item": 1, "field": "slug"},
        {"item": 1, "field": "desk"},
        {"item": 1, "field": "image.focus"},
    ]
    eventually(lambda: jobs.pending_rebuilds(svc.store) == 0)
    body = fetch(port, "/feeds/latest.json").body.decode()
    assert "Story number 2" in body and "https://news.test/i.jpg" in body


def test_drop_folder_takes_the_same_object_and_names_the_same_fields(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps([record(1), record(2, image=IMAGE, **EXTRA)]))
    old = time.time() - 60
    os.utime(folder / "a.json", (old, old))
    spec = SourceSpec(id="cms", kind="files", url=str(folder), interval_seconds=60, section="world")
    ctx = CollectContext(now=datetime.now(UTC), fetch=FetchSettings())
    collected = files.collect(spec, SourceState("cms", str(folder)), ctx)
    assert [i.url for i in collected.items] == [
        "https://news.test/story/1",
        "https://news.test/story/2",
    ]
    assert collected.warning == "unknown fields ignored: a.json item 2: slug, desk, image.focus"
    assert files.failures(collected) == {}


def test_push_and_drop_folder_know_the_same_fields() -> None:
    from sources.kinds.push_fields import _CHECKS
    from sources.kinds.records import FIELDS

    assert set(_CHECKS) == set(FIELDS)


def test_push_api_without_tokens_says_it_is_not_enabled(
    without_tokens: tuple[Service, int],
) -> None:
    _, port = without_tokens
    for token in (TOKEN, None):
        status, answer = _post(port, record(1), token=token)
        assert status == 404, answer
        assert "not enabled" in str(answer["error"])
    reply = fetch(
        port, "/api/articles/story-1", {"authorization": f"Bearer {TOKEN}"}, method="DELETE"
    )
    assert reply.status == 404 and b"not enabled" in reply.body
    assert "www-authenticate" not in reply.headers
