"""The publish guard holds back only a drop, and `build --force` works beside a live service."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_publish_guard import LATER, RULES, SITE, SOURCE, WORLD, published, raw

from feeds import intake
from feeds.archive import documents as docs
from feeds.archive import forcing, open_store, queue
from feeds.archive.engine import Store
from feeds.build import guard, publish
from scheduler.cli import service_commands
from scheduler.cli.base import main
from scheduler.clock import utcnow
from scheduler.config import Config, load
from sources.model.raw import RawItem
from tests.service_support import free_port, sample_config


def listed(store: Store, path: str) -> list[str]:
    with store.read() as conn:
        doc = docs.get(conn, path)
    assert doc is not None
    return guard.listed_guids(doc)


def test_a_new_arrival_after_a_refusal_reaches_its_feed(store: Store) -> None:
    published(store)
    before = listed(store, WORLD)
    intake.take(store, SOURCE, [raw(i, section="business") for i in range(1, 11)], RULES, now=LATER)
    publish.rebuild_dirty(store, SITE, owner="t", now=lambda: LATER)
    assert listed(store, WORLD) == before  # the drop is refused
    arrived = LATER + timedelta(minutes=5)
    intake.take(store, SOURCE, [raw(202, published=arrived.isoformat())], RULES, now=arrived)
    report = publish.rebuild_dirty(store, SITE, owner="t", now=lambda: arrived)
    for fmt in ("rss", "atom", "json"):
        path = f"/feeds/section/world.{fmt}"
        assert path in report.changed
        now_listed = listed(store, path)
        assert len(now_listed) == 11 and set(before) < set(now_listed)  # drop still held


def test_a_force_request_is_honoured_by_whichever_process_rebuilds(store: Store) -> None:
    published(store)
    intake.take(store, SOURCE, [raw(i, section="business") for i in range(1, 11)], RULES, now=LATER)
    with store.begin() as conn:
        forcing.request(conn, ["section/world"])  # `build --force` in another process
    publish.rebuild_dirty(store, SITE, owner="live", now=lambda: LATER)  # not forced itself
    assert listed(store, WORLD) == []
    with store.read() as conn:
        assert forcing.waiting(conn, ["section/world"]) == []


def story(n: int, section: str) -> RawItem:
    return RawItem(
        source_id="cms-drop",
        upstream_id=f"held-{n}",
        url=f"https://news.example.com/held-{n}",
        title=f"Held story {n}",
        summary=f"Story {n}.",
        published=(utcnow() - timedelta(hours=n)).isoformat(),
        section=section,
    )


@pytest.fixture
def refused(tmp_path: Path) -> Iterator[tuple[Path, Config, Store]]:
    """An archive whose section/opinion feed the guard refused to empty."""
    config = sample_config(tmp_path, free_port(), extra="")
    text = config.read_text(encoding="utf-8").replace('combos = "with-articles"', 'combos = "none"')
    config.write_text(text, encoding="utf-8")
    cfg = load(config)
    store = open_store(cfg.store_url)
    drop = next(s for s in cfg.sources if s.id == "cms-drop")
    intake.take(store, drop, [story(n, "opinion") for n in range(10)], cfg.intake, now=utcnow())
    publish.rebuild_dirty(store, cfg.site, owner="t", now=utcnow)
    moved = [story(n, "technology") for n in range(10)]
    intake.take(store, drop, moved, cfg.intake, now=utcnow())
    publish.rebuild_dirty(store, cfg.site, owner="t", now=utcnow)
    assert len(listed(store, "/feeds/section/opinion.atom")) == 10
    yield config, cfg, store
    store.dispose()


def leased_by_live(store: Store) -> int:
    """A live service leases section/opinion first (as it did in the issue); its mark."""
    with store.begin() as conn:
        queue.mark_dirty(conn, ["section/opinion"])
        claimed = dict(queue.claim_dirty(conn, "live", utcnow(), 120))
    return claimed["section/opinion"]


def test_build_force_beside_a_live_service_that_leased_the_feed(
    refused: tuple[Path, Config, Store],
) -> None:
    config, cfg, store = refused
    seq = leased_by_live(store)
    # the live service rebuilds from the mark it leased, before the force was asked: it
    # refuses again and lets go; the build then takes the feed over and forces it
    live = threading.Timer(
        1.0,
        lambda: publish.rebuild_one(store, cfg.site, "section/opinion", "live", seq, utcnow()),
    )
    live.start()
    result = CliRunner().invoke(
        main, ["--config", str(config), "build", "--force", "section/opinion"]
    )
    live.join()
    assert result.exit_code == 0, result.output
    assert listed(store, "/feeds/section/opinion.atom") == []


def test_build_force_exits_non_zero_when_it_forced_nothing(
    refused: tuple[Path, Config, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, _, store = refused
    leased_by_live(store)  # and the live service never lets go within the wait
    monkeypatch.setattr(service_commands, "FORCE_WAIT", 1.0)
    result = CliRunner().invoke(
        main, ["--config", str(config), "build", "--force", "section/opinion"]
    )
    assert result.exit_code == 1
    assert "not forced (still held by another process): section/opinion" in result.output
    assert len(listed(store, "/feeds/section/opinion.atom")) == 10
