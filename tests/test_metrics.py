"""Every metric docs/operations.md names moves when its event happens, read back from /metrics."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from http_support import fetch, serving
from hub_support import Hub, running_hub
from prometheus_client.parser import text_string_to_metric_families

from feeds import intake
from feeds.archive import source_state
from scheduler.clock import utcnow
from scheduler.config import load
from scheduler.housekeeping import tick
from scheduler.service import Service, seed_sources
from sources.model.raw import RawItem
from sources.model.state import SourceState
from tests.service_support import free_port, sample_config

EXTRA = """
[[sources]]
id = "refused"
kind = "feed"
url = "http://127.0.0.1:9/feed.rss"
interval_seconds = 60
section = "world"

[[sources]]
id = "gone"
kind = "feed"
url = "http://127.0.0.1:9/gone.rss"
interval_seconds = 60
section = "world"
"""


@dataclasses.dataclass
class Served:
    service: Service
    port: int

    def metric(self, name: str, **labels: str) -> float:
        """One sample of /metrics as served now (0 when absent)."""
        text = fetch(self.port, "/metrics").body.decode()
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and sample.labels == labels:
                    return float(sample.value)
        return 0.0

    def poll(self, source_id: str) -> str:
        spec = next(s for s in self.service.cfg.sources if s.id == source_id)
        return self.service.poll(spec, force=True).outcome


@pytest.fixture
def hub() -> Iterator[Hub]:
    with running_hub() as server:
        yield server


@pytest.fixture
def served(tmp_path: Path, hub: Hub) -> Iterator[Served]:
    hubs = f'\n[websub]\nhubs = ["{hub.url}"]\n'
    cfg = load(sample_config(tmp_path, free_port(), extra=EXTRA + hubs))
    service = Service(cfg)
    seed_sources(cfg)
    service.app = service.make_app()
    with serving(service.app) as port:
        yield Served(service, port)
    service.store.dispose()


def test_polls_counts_each_poll_by_outcome(served: Served) -> None:
    before = served.metric("newsfeeds_polls_total", source="world-wire", outcome="ok")
    assert served.poll("world-wire") == "ok"
    assert served.metric("newsfeeds_polls_total", source="world-wire", outcome="ok") == before + 1


def test_sources_failing_counts_failing_and_retired_sources(served: Served) -> None:
    assert served.metric("newsfeeds_sources_failing") == 0
    assert served.poll("refused") == "failed"
    with served.service.store.begin() as conn:
        gone = SourceState("gone", "http://127.0.0.1:9/gone.rss", consecutive_failures=3)
        source_state.save(conn, dataclasses.replace(gone, retired=True))
    assert served.metric("newsfeeds_sources_failing") == 2


def test_rebuilds_their_seconds_and_changed_documents_are_counted(served: Served) -> None:
    rebuilds = served.metric("newsfeeds_feed_rebuilds_total")
    passes = served.metric("newsfeeds_rebuild_seconds_count")
    changed = served.metric("newsfeeds_documents_changed_total")
    served.poll("world-wire")
    report = served.service.rebuild()
    assert report.feeds and report.changed
    assert served.metric("newsfeeds_feed_rebuilds_total") == rebuilds + report.feeds
    assert served.metric("newsfeeds_rebuild_seconds_count") == passes + 1
    assert served.metric("newsfeeds_documents_changed_total") == changed + len(report.changed)


def test_http_responses_count_200_and_304(served: Served) -> None:
    served.poll("world-wire")
    served.service.rebuild()
    ok = served.metric("newsfeeds_http_responses_total", status="200")
    fresh = served.metric("newsfeeds_http_responses_total", status="304")
    first = fetch(served.port, "/feeds/latest.rss")
    again = fetch(served.port, "/feeds/latest.rss", {"If-None-Match": first.headers["etag"]})
    assert (first.status, again.status) == (200, 304)
    assert served.metric("newsfeeds_http_responses_total", status="304") == fresh + 1
    assert served.metric("newsfeeds_http_responses_total", status="200") >= ok + 1


def test_websub_pings_count_accepted_pings(served: Served, hub: Hub) -> None:
    before = served.metric("newsfeeds_websub_pings_total", outcome="ok")
    served.poll("world-wire")
    served.service.rebuild()
    served.service.deliver_pings()
    assert hub.topics()
    assert served.metric("newsfeeds_websub_pings_total", outcome="ok") == before + len(hub.topics())


def story(n: int, section: str) -> RawItem:
    return RawItem(
        source_id="cms-drop",
        upstream_id=f"guarded-{n}",
        url=f"https://news.example.com/guarded-{n}",
        title=f"Guarded story {n} in {section}",
        summary=f"Story {n}.",
        published=(utcnow() - timedelta(hours=n)).isoformat(),
        section=section,
    )


def test_publish_guard_refusals_count_a_refused_collapse(served: Served) -> None:
    service = served.service
    drop = next(s for s in service.cfg.sources if s.id == "cms-drop")
    intake.take(
        service.store,
        drop,
        [story(n, "opinion") for n in range(10)],
        service.cfg.intake,
        now=utcnow(),
    )
    service.rebuild()
    before = served.metric("newsfeeds_publish_guard_refusals_total")
    # every story re-labelled: opinion would empty without a reason
    relabelled = [story(n, "technology") for n in range(10)]
    intake.take(service.store, drop, relabelled, service.cfg.intake, now=utcnow())
    service.rebuild()
    # section/opinion and its country combo section/opinion/in
    assert served.metric("newsfeeds_publish_guard_refusals_total") == before + 2


def test_job_last_success_is_set_when_a_job_runs(served: Served) -> None:
    started = time.time()
    job = next(j for j in served.service.periodic_jobs() if j.name == "lease-recovery")
    assert tick(served.service.store, job)
    assert served.metric("newsfeeds_job_last_success_seconds", job="lease-recovery") >= int(started)
