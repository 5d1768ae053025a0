"""One feed whose rebuild fails keeps its last documents and never holds back the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.archive import documents as docs
from feeds.archive import queue
from feeds.build import publish
from scheduler.config import load
from scheduler.service import Service, seed_sources
from tests.service_support import free_port, sample_config


def test_a_failing_feed_does_not_stop_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = Service(load(sample_config(tmp_path, free_port())))
    seed_sources(service.cfg)
    for spec in service.cfg.sources:
        assert service.poll(spec, force=True).outcome == "ok"
    real = publish.render_feed

    def broken_for_world(conn, site, feed, now):  # type: ignore[no-untyped-def]
        if feed == "section/world":
            raise RuntimeError("a bug in one feed")
        return real(conn, site, feed, now)

    monkeypatch.setattr(publish, "render_feed", broken_for_world)
    report = service.rebuild()
    assert report.failed == ["section/world"]
    with service.store.read() as conn:
        paths = {p for p, *_ in docs.listing(conn)}
        assert queue.pending(conn) == 1  # world stays queued for the next pass
    assert "/feeds/latest.rss" in paths and "/feeds/section/india.atom" in paths
    assert not any(p.startswith("/feeds/section/world.") for p in paths)
    monkeypatch.setattr(publish, "render_feed", real)
    assert service.rebuild().failed == []
    with service.store.read() as conn:
        assert docs.get(conn, "/feeds/section/world.rss") is not None
        assert queue.pending(conn) == 0
    service.store.dispose()
