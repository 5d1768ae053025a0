"""The scheduler's behaviour in-process: coalesced rebuilds, failing jobs kept at the boundary."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds import intake
from feeds.archive import open_store, queue, source_state
from feeds.archive.engine import Store
from feeds.build import publish
from scheduler.config import load
from scheduler.rebuilder import Rebuilder
from scheduler.service import Service, seed_sources
from sources.kinds import KINDS, Kind
from sources.kinds.base import CollectContext, Collected
from sources.model.raw import RawItem
from sources.model.spec import SourceSpec
from sources.model.state import SourceState
from tests.service_support import free_port, sample_config

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    """A Service on the sample config with its archive in tmp_path (nothing started)."""
    cfg = load(sample_config(tmp_path, free_port()))
    svc = Service(cfg, store=open_store(cfg.store_url))
    yield svc
    svc.store.dispose()


def story(n: int, section: str) -> RawItem:
    """A raw item of the drop-folder source."""
    return RawItem(
        source_id="cms-drop",
        upstream_id=f"burst-{n}",
        url=f"https://news.example.com/{section}/burst-{n}",
        title=f"Burst story {n}",
        summary=f"Story {n} of the burst.",
        published=f"2026-03-10T{n % 24:02d}:{n % 60:02d}:00Z",
        section=section,
    )


def take(store: Store, svc: Service, items: list[RawItem]) -> None:
    """Store items as one poll of the drop-folder source would."""
    spec = next(s for s in svc.cfg.sources if s.id == "cms-drop")
    intake.take(store, spec, items, svc.cfg.intake, now=NOW)


def test_burst_during_a_rebuild_costs_two_rebuilds_per_feed(service: Service) -> None:
    store, site = service.store, service.cfg.site
    take(store, service, [story(0, "india"), story(1, "business")])
    rebuilt: Counter[str] = Counter()  # feed -> rebuilds that changed its documents
    feeds_rebuilt: list[int] = []  # per run: how many feed rebuilds it did, changed or not
    first_feed_done, burst_done = threading.Event(), threading.Event()

    def on_change(paths: list[str]) -> None:
        rebuilt[paths[0].rsplit(".", 1)[0]] += 1
        if not first_feed_done.is_set():
            first_feed_done.set()
            assert burst_done.wait(30)  # the rest of this rebuild runs after the burst

    def rebuild() -> object:
        report = publish.rebuild_dirty(
            store, site, owner="me", now=lambda: NOW, on_change=on_change
        )
        feeds_rebuilt.append(report.feeds)
        return report

    rebuilder = Rebuilder(rebuild)
    rebuilder.start()
    rebuilder.request()
    assert first_feed_done.wait(30)
    for n in range(2, 202):  # 200 arrivals, each its own commit and its own request
        take(store, service, [story(n, "india" if n % 2 else "business")])
        rebuilder.request()
    burst_done.set()
    time.sleep(0.2)
    assert rebuilder.wait_idle(30)
    rebuilder.stop()
    with store.read() as conn:
        feeds = len(queue.all_feed_names(conn))
    assert rebuilder.runs <= 2
    assert sum(feeds_rebuilt) <= 2 * feeds, feeds_rebuilt  # not 200 per feed
    assert rebuilt and max(rebuilt.values()) <= 2, rebuilt
    first = next(iter(rebuilt))  # rebuilt before the burst, so again after it
    assert rebuilt[first] == 2, rebuilt
    assert publish.rebuild_dirty(store, site, owner="me", now=lambda: NOW).feeds == 0


def explode(spec: SourceSpec, state: SourceState, ctx: CollectContext) -> Collected:
    """A source kind with a bug."""
    raise RuntimeError("kaboom in collect")


def not_an_item(spec: SourceSpec, state: SourceState, ctx: CollectContext) -> Collected:
    """A source kind returning something intake cannot store."""
    return Collected(items=("not a RawItem",))  # type: ignore[arg-type]


def test_failing_jobs_are_recorded_and_the_scheduler_goes_on(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(KINDS, "explode", Kind(explode))
    monkeypatch.setitem(KINDS, "not-an-item", Kind(not_an_item))
    good = next(s for s in service.cfg.sources if s.id == "cms-drop")
    bad = [
        SourceSpec(id=kind, kind=kind, url="x", interval_seconds=1, section="india")
        for kind in ("explode", "not-an-item")
    ]
    good = dataclasses.replace(good, interval_seconds=1)
    service.cfg = dataclasses.replace(service.cfg, sources=(good, *bad))
    seed_sources(service.cfg)
    service.rebuilder.start()
    service.schedule()
    service.scheduler.start()
    try:
        time.sleep(3.5)
        assert service.scheduler.running
        assert service.scheduler.get_job("poll:cms-drop") is not None
    finally:
        service.scheduler.shutdown(wait=True)
        service.rebuilder.stop()
    with service.store.read() as conn:
        states = {s.source_id: s for s in source_state.load_all(conn)}
    assert states["cms-drop"].last_success is not None
    assert states["cms-drop"].consecutive_failures == 0
    for kind in ("explode", "not-an-item"):
        assert states[kind].consecutive_failures >= 1, states[kind]
        assert states[kind].last_error
    with service.store.begin() as conn:  # every lease was given back despite the failures
        for spec in (good, *bad):
            assert source_state.claim(conn, spec.id, spec.url, "other", datetime.now(UTC), 60)
    assert "kaboom" in (states["explode"].last_error or "")
