"""Issue 21, done when: scripted pollers against the real server, then the readers report.

Twelve consumer families with real User-Agents (two Feedbin feed ids) poll /feeds/latest.rss
on a known schedule under an injected clock; `/status/readers.json` and `newsfeeds readers
--json` must then give exact counts, 304 shares, subscriber totals and pickup latencies. The
same schedule split across two servers on one PostgreSQL archive must add up to the same.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pg_support
from http_support import ingest, rebuild, record, serving, spec, write_config
from readers_support import Clock, families, hour_start, report_json, run_schedule
from service_support import cli

from scheduler.config import load
from scheduler.service import Service

CONDITIONAL = ("feedly", "inoreader", "newsblur", "theoldreader", "miniflux", "netnewswire")
UNCONDITIONAL = ("google-feedfetcher", "bing", "freshrss", "curl")
SUBSCRIBERS = {"feedly": 134, "inoreader": 26, "newsblur": 12, "feedbin": 16, "theoldreader": 1}
KINDS = {"google-feedfetcher": "aggregator", "bing": "crawler", "freshrss": "reader"}


def expected(before: int, after: int) -> dict[str, dict[str, Any]]:
    """What the schedule in readers_support must give, family by family."""

    def row(family: str, ok: int, nm: int, kind: str, sent: int, pickup: float) -> dict[str, Any]:
        requests = ok + nm
        return {
            "family": family,
            "kind": kind,
            "requests": requests,
            "ok": ok,
            "not_modified": nm,
            "other": 0,
            "bytes": sent,
            "subscribers": SUBSCRIBERS.get(family, 0),
            "not_modified_share": round(nm / requests, 4),
            "polls_per_hour": round(requests / 24, 2),
            "median_pickup_seconds": pickup,
        }

    rows = {}
    for fam in CONDITIONAL:
        pickup = 300.0 if fam in ("feedly", "inoreader") else 600.0
        kind = "reader" if fam in ("miniflux", "netnewswire") else "aggregator"
        rows[fam] = row(fam, 2, 1, kind, before + after, pickup)
    for fam in UNCONDITIONAL:
        rows[fam] = row(fam, 3, 0, KINDS.get(fam, "library"), 2 * before + after, 600.0)
    # one Feedbin id revalidates, the other does not: 5 × 200 and one 304 between them
    rows["feedbin"] = row("feedbin", 5, 1, "aggregator", 3 * before + 2 * after, 600.0)
    return rows


def start(tmp_path: Path, store_url: str | None = None) -> tuple[Service, Clock]:
    """A service with one story in `latest`, built at a whole hour three hours ago."""
    cfg = write_config(tmp_path)
    if store_url is not None:
        text = cfg.path.read_text(encoding="utf-8")
        old = f'url = "sqlite:///{tmp_path / "db" / "archive.db"}"'
        cfg.path.write_text(text.replace(old, f'url = "{store_url}"'), encoding="utf-8")
        cfg = load(cfg.path)
    service = Service(cfg)
    clock = Clock(hour_start(3))
    ingest(service, [record(1)], at=clock.at, source=spec())
    rebuild(service, None, clock.at)
    return service, clock


def test_scripted_pollers_give_exact_reader_counts(tmp_path: Path) -> None:
    service, clock = start(tmp_path)
    app = service.make_app(clock)
    with serving(app) as port:
        before, after = run_schedule(service, [app], [port], clock)
        served = report_json(port)
    want = expected(before, after)
    assert families(served) == want
    feed = next(f for f in served["feeds"] if f["feed"] == "latest")  # type: ignore[attr-defined]
    assert feed["subscribers"] == 189 and feed["requests"] == 36
    by_family = {f["family"]: f for f in feed["families"]}
    assert by_family["feedly"]["pickups"] == [
        {"changed_at": clock.at.replace(minute=30).isoformat(), "seconds": 300.0}
    ]
    done = cli(service.cfg.path, "readers", "--json", "--since", "24h")
    assert done.returncode == 0, done.stderr
    assert families(json.loads(done.stdout)) == want
    one = cli(service.cfg.path, "readers", "--feed", "latest")
    assert one.returncode == 0 and "feedbin" in one.stdout and "134" in one.stdout


def test_two_servers_on_one_postgresql_add_up_to_one(tmp_path: Path) -> None:
    pg_support.require()
    name, url = pg_support.create_schema()
    try:
        service, clock = start(tmp_path, url)
        other = Service(service.cfg)  # its own archive connection pool, as a second process
        apps = [service.make_app(clock), other.make_app(clock)]
        with ExitStack() as stack:
            ports = [stack.enter_context(serving(app)) for app in apps]
            before, after = run_schedule(service, apps, ports, clock)
            report_json(ports[1])  # each server flushes its own counts …
            merged = report_json(ports[0])  # … and reports everyone's
        assert families(merged) == expected(before, after)
    finally:
        pg_support.drop_schema(name)


def test_a_bad_since_is_bad_usage(tmp_path: Path) -> None:
    done = cli(write_config(tmp_path).path, "readers", "--since", "5x")
    assert done.returncode == 2 and "--since" in done.stderr and "'5x'" in done.stderr
