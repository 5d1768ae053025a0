"""`ingest` and `build` as cron runs them: due jobs before the exit, backoff honoured."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from hub_support import Hub, running_hub

from feeds import intake
from feeds.archive import documents as docs
from feeds.archive import open_store
from feeds.archive.tables import articles, counters, memberships
from feeds.catalog import is_history_path
from scheduler.cli import main
from scheduler.clock import utcnow
from scheduler.config import load
from sources.model.raw import RawItem
from tests.service_support import free_port, sample_config


def newsfeeds(config: Path, *args: str) -> Result:
    """One command in this process, as on the command line."""
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def hub() -> Iterator[Hub]:
    with running_hub() as server:
        yield server


def hub_config(tmp_path: Path, hub: Hub) -> Path:
    return sample_config(tmp_path, free_port(), extra=f'\n[websub]\nhubs = ["{hub.url}"]\n')


def current_urls(config: Path) -> set[str]:
    """The URL of every current (not history) document in the archive."""
    cfg = load(config)
    store = open_store(cfg.store_url)
    try:
        with store.read() as conn:
            paths = conn.execute(sa.select(docs.documents.c.path)).scalars().all()
    finally:
        store.dispose()
    return {cfg.site.base_url + p for p in paths if not is_history_path(p)}


def test_ingest_delivers_one_ping_per_changed_document_before_it_exits(
    tmp_path: Path, hub: Hub
) -> None:
    config = hub_config(tmp_path, hub)
    assert newsfeeds(config, "ingest").exit_code == 0
    topics = hub.topics()
    assert topics and len(topics) == len(set(topics))  # once each
    assert set(topics) == current_urls(config)  # every format of every changed feed
    assert newsfeeds(config, "ingest").exit_code == 0  # nothing changed upstream
    assert newsfeeds(config, "build").exit_code == 0  # same bytes again
    assert hub.topics() == topics


def test_build_delivers_the_pings_its_changes_caused(tmp_path: Path, hub: Hub) -> None:
    config = hub_config(tmp_path, hub)
    assert newsfeeds(config, "ingest").exit_code == 0
    before = len(hub.topics())
    cfg = load(config)
    store = open_store(cfg.store_url)
    drop = next(s for s in cfg.sources if s.id == "cms-drop")
    item = RawItem(
        source_id="cms-drop",
        upstream_id="late-1",
        url="https://news.example.com/business/late-1",
        title="A late business story",
        summary="It arrived between two cron runs.",
        published=utcnow().isoformat(),
        section="business",
    )
    intake.take(store, drop, [item], cfg.intake, now=utcnow())
    store.dispose()
    assert newsfeeds(config, "build", "section/business").exit_code == 0
    pinged = hub.topics()[before:]
    assert len(pinged) == len(set(pinged)) and set(pinged) <= current_urls(config)
    assert {
        f"{cfg.site.base_url}/feeds/section/business.{fmt}" for fmt in ("rss", "atom", "json")
    } <= set(pinged)


def test_ingest_runs_retention_when_it_is_due(tmp_path: Path) -> None:
    config = sample_config(tmp_path, free_port())
    assert newsfeeds(config, "ingest").exit_code == 0
    store = open_store(load(config).store_url)
    old = utcnow() - timedelta(days=45)
    with store.begin() as conn:  # six weeks pass, and with them the last retention run
        conn.execute(articles.update().values(published=old, first_seen=old))
        conn.execute(memberships.update().values(published=old))
        conn.execute(docs.documents.update().values(changed_at=old + timedelta(hours=1)))
        conn.execute(counters.update().where(counters.c.name == "ran:retention").values(value=0))
    store.dispose()
    assert newsfeeds(config, "ingest").exit_code == 0
    store = open_store(load(config).store_url)
    with store.read() as conn:
        latest = docs.get(conn, "/feeds/latest.json")
    store.dispose()
    assert latest is not None and json.loads(latest.body)["items"] == []


class Throttled(BaseHTTPRequestHandler):
    """Every GET answers 429 with Retry-After: 120; counts the requests."""

    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(429)
        self.send_header("Retry-After", "120")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def throttled() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Throttled)
    Throttled.hits = 0
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.rss"
    server.shutdown()
    server.server_close()


def test_ingest_waits_out_a_retry_after_unless_forced(tmp_path: Path, throttled: str) -> None:
    source = (
        f'\n[[sources]]\nid = "throttled"\nkind = "feed"\nurl = "{throttled}"\n'
        'interval_seconds = 60\nsection = "world"\n'
    )
    config = sample_config(tmp_path, free_port(), extra=source)
    first = newsfeeds(config, "ingest", "throttled")
    assert first.exit_code == 1 and "throttled: failed" in first.output
    for _ in range(2):  # cron runs again a moment later: the server asked for two minutes
        again = newsfeeds(config, "ingest", "throttled")
        assert again.exit_code == 0, again.output  # a skip is no failure
        assert "throttled: skipped until " in again.output
    assert Throttled.hits == 1
    forced = newsfeeds(config, "ingest", "--force", "throttled")
    assert forced.exit_code == 1 and Throttled.hits == 2


def test_ingest_polls_a_healthy_source_ahead_of_its_interval(tmp_path: Path) -> None:
    config = sample_config(tmp_path, free_port())
    assert newsfeeds(config, "ingest", "world-wire").exit_code == 0
    again = newsfeeds(config, "ingest", "world-wire")  # cron's period, not the interval, rules
    assert "world-wire: not-modified" in again.output or "world-wire: ok" in again.output
