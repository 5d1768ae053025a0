"""The jobs that are not polling run in every long-running mode, each once across processes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from http_support import BASE_URL, eventually, ingest, record, spec, write_config
from hub_support import Hub, running_hub

from feeds.archive import documents as docs
from feeds.archive import pings
from feeds.archive.engine import Store
from feeds.archive.tables import articles
from feeds.metrics import REGISTRY
from scheduler.clock import utcnow
from scheduler.housekeeping import JOB_NAMES, Periodic, tick
from scheduler.service import Service


@pytest.fixture
def hub() -> Iterator[Hub]:
    with running_hub() as server:
        yield server


@pytest.fixture
def service(tmp_path: Path, hub: Hub) -> Iterator[Service]:
    """A Service as `serve` starts it: rebuilder and scheduler, no polls, no HTTP."""
    svc = Service(write_config(tmp_path, hubs=(hub.url,)))
    svc.rebuilder.start()
    yield svc
    if svc.scheduler.running:
        svc.scheduler.shutdown(wait=True)
    svc.rebuilder.stop()
    svc.store.dispose()


def served(service: Service, path: str) -> bytes:
    with service.store.read() as conn:
        doc = docs.get(conn, path)
    return doc.body if doc is not None else b""


def last_success(job: str) -> float | None:
    return REGISTRY.get_sample_value("newsfeeds_job_last_success_seconds", {"job": job})


def test_serve_mode_schedules_every_non_polling_job_and_no_poll(service: Service) -> None:
    service.start_background(poll=False)
    assert {job.id for job in service.scheduler.get_jobs()} == set(JOB_NAMES)


def test_run_mode_schedules_the_polls_and_the_same_jobs(service: Service) -> None:
    service.start_background(poll=True)
    ids = {job.id for job in service.scheduler.get_jobs()}
    assert ids == set(JOB_NAMES) | {f"poll:{s.id}" for s in service.cfg.sources}


def test_serve_mode_delivers_waiting_pings(service: Service, hub: Hub) -> None:
    topic = BASE_URL + "/feeds/latest.rss"
    with service.store.begin() as conn:
        pings.enqueue(conn, (hub.url,), [topic], utcnow())
    service.start_background(poll=False)
    eventually(lambda: hub.topics() == [topic], timeout=15)
    # the hub answers before the job returns and records its success
    eventually(lambda: (last_success("websub") or 0) > 0, timeout=15)


def test_serve_mode_rebuilds_what_another_process_ingested(service: Service) -> None:
    ingest(service, [record(1, title="Arrived by cron")], at=utcnow(), source=spec())
    service.start_background(poll=False)  # nothing in this process asks for a rebuild
    eventually(lambda: b"Arrived by cron" in served(service, "/feeds/latest.atom"), timeout=15)


def test_serve_mode_releases_an_embargo_at_its_time(service: Service) -> None:
    ahead = (utcnow() + timedelta(hours=2)).isoformat()
    ingest(
        service, [record(2, title="Results at two", published=ahead)], at=utcnow(), source=spec()
    )
    with service.store.begin() as conn:  # two hours pass: the embargo lifts a second from now
        conn.execute(articles.update().values(embargo_until=utcnow() + timedelta(seconds=1)))
    service.start_background(poll=False)
    eventually(lambda: b"Results at two" in served(service, "/feeds/latest.atom"), timeout=15)
    eventually(lambda: (last_success("embargo") or 0) > 0, timeout=15)


def test_the_service_names_exactly_the_bounded_job_labels(service: Service) -> None:
    assert tuple(job.name for job in service.periodic_jobs()) == JOB_NAMES


def test_a_claimed_job_runs_once_per_period_across_processes(store: Store) -> None:
    ran: list[str] = []
    first = Periodic("lease-recovery", 60, lambda: ran.append("first"))
    second = Periodic("lease-recovery", 60, lambda: ran.append("second"))
    assert tick(store, first) is True
    assert tick(store, second) is False  # another process, same archive, same period
    assert ran == ["first"]


def test_a_failing_job_records_no_success(store: Store) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    before = last_success("retention")
    assert tick(store, Periodic("retention", 60, broken, claimed=False)) is False
    assert last_success("retention") == before


def test_a_job_with_nothing_due_takes_no_claim(store: Store) -> None:
    ran: list[int] = []
    idle = Periodic("embargo", 60, lambda: ran.append(1), due=lambda: False)
    assert tick(store, idle) is True and ran == []
    with store.read() as conn:
        claims = conn.execute(
            sa.text("SELECT count(*) FROM counters WHERE name = 'ran:job:embargo'")
        )
        assert claims.scalar() == 0
