"""A transient write failure (a full disk, then freed) leaves nothing stuck (issue 17, case 4).

The disk fills at the driver boundary (tests/disk_faults.py) after work has taken its
lease, as it does in production: mid-rebuild, mid-poll, mid-push.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from disk_faults import FullDisk
from http_support import record
from test_archive_pages import NOW, RULES, SITE, ingest, raw, rebuild
from test_push_api import Api, api  # noqa: F401  (the running service with the push API)

from feeds.archive import queue
from feeds.archive.engine import Store
from feeds.build import publish
from scheduler import jobs
from sources.kinds import KINDS
from sources.model.spec import FetchSettings, SourceSpec

LEASE = 120.0  # rebuild_dirty's default lease
TICK = 5  # seconds between rebuild passes in `run` (scheduler/service.py, rebuild-tick)


def rebuild_pass(store: Store, at: datetime) -> publish.RebuildReport:
    """One rebuild pass at `at`, with the Rebuilder's boundary: an escaped error is logged."""
    try:
        return publish.rebuild_dirty(store, SITE, owner="me", now=lambda: at, lease_seconds=LEASE)
    except Exception:
        return publish.RebuildReport(failed=["(the pass itself raised)"])


def test_a_feed_whose_rebuild_and_release_failed_is_rebuilt_once_its_lease_ends(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On 7710bd8 section/world stayed dirty for good while "latest" rebuilt every tick."""
    ingest(store, [raw(n) for n in range(1, 20)])
    rebuild(store)
    disk, real_render = FullDisk(store), publish.render_feed

    def fill_the_disk(*args: object) -> object:
        disk.on = True  # the disk fills while the feed renders, after its lease was taken
        return real_render(*args)  # type: ignore[arg-type]

    with store.begin() as conn:
        queue.mark_dirty(conn, ["section/world"])
    monkeypatch.setattr(publish, "render_feed", fill_the_disk)
    failed_at = NOW + timedelta(minutes=1)
    failing = rebuild_pass(store, failed_at)
    monkeypatch.undo()
    disk.on = False  # space returns at once
    assert disk.refused >= 2  # the rebuild's write and its release both failed

    rebuilt_after = None
    for step in range(1, 61):  # 300 s of rebuild ticks, a new story on each
        at = failed_at + timedelta(seconds=TICK * step)
        ingest(store, [raw(100 + step)], now=at)
        changed = rebuild_pass(store, at).changed
        if any(p.startswith("/feeds/section/world.") for p in changed):
            rebuilt_after = (at - failed_at).total_seconds()
            break
    # seconds section/world stayed stale after the disk was freed: none past its lease
    assert rebuilt_after is not None and rebuilt_after <= LEASE + TICK, rebuilt_after
    assert failing.failed == ["section/world"]  # the pass went on; nothing escaped it


def test_a_poll_whose_failure_cannot_be_recorded_ends_and_its_lease_expires(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = SourceSpec(
        id="drop", kind="files", url=str(tmp_path), interval_seconds=60, section="world"
    )
    disk, real = FullDisk(store), KINDS["files"]
    assert real.collect is not None

    def fill_the_disk(*args: object) -> object:
        disk.on = True  # after the poll's lease was taken
        return real.collect(*args)  # type: ignore[arg-type,misc]

    monkeypatch.setitem(KINDS, "files", dataclasses.replace(real, collect=fill_the_disk))
    settings = jobs.PollSettings(fetch=FetchSettings(), rules=RULES, owner="me")
    outcome = jobs.poll(store, spec, settings, lambda: NOW, force=True)  # 7710bd8: raised
    assert outcome.outcome == "failed"
    monkeypatch.undo()
    disk.on = False
    soon = NOW + timedelta(seconds=10)
    assert jobs.poll(store, spec, settings, lambda: soon, force=True).outcome == "busy"
    later = NOW + timedelta(seconds=settings.lease_seconds + 1)
    assert jobs.poll(store, spec, settings, lambda: later, force=True).outcome == "ok"


def test_push_answers_503_with_retry_after_while_the_disk_is_full(api: Api) -> None:  # noqa: F811
    """On 7710bd8 a full disk gave the push API a bare 500."""
    before = api.snapshot()
    with FullDisk(api.service.store) as disk:
        reply = api.post(record(1))
        assert disk.refused >= 1
    assert reply.status == 503, reply.body
    assert reply.headers["retry-after"] == "30"
    assert "nothing was stored" in json.loads(reply.body)["error"]
    assert api.snapshot() == before
    assert api.post(record(1)).status == 202  # space returned: the same push is taken
