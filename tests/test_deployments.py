"""The deployments docs/operations.md names, as real processes: `serve` + cron `ingest` on SQLite,
and `serve` ×2 + `ingest` on PostgreSQL, with a fake WebSub hub on 127.0.0.1.

Each checks, in order: one publish ping per changed document URL (every format) and none
for an unchanged one, within 15 s of the change; an embargo released within 5 s of its
time; an article past `retention.current_days` out of the current feeds within one
retention interval.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from hub_support import Hub, running_hub

from feeds.archive import open_store
from feeds.archive.tables import articles
from tests import pg_support
from tests.service_support import ROOT, free_port, wait_until

NEWSFEEDS = str(ROOT / ".venv" / "bin" / "newsfeeds")
RETENTION_EVERY = 10  # seconds: [retention] every_seconds
FORMATS = ("rss", "atom", "json")

CONFIG = """
[site]
title = "Deployment Ledger"
base_url = "http://127.0.0.1:{base_port}"
authority = "news.test"

[server]
host = "127.0.0.1"
port = {port}

[store]
url = "{store}"

[scheduler]
min_interval_seconds = 1
jitter_seconds = 0

[feeds]
combos = "none"

[normalize]
future_margin_seconds = 0

[retention]
current_days = 1
archive_days = 30
every_seconds = {every}

[websub]
hubs = ["{hub}"]

[[sections]]
slug = "world"
title = "World"

[[sections]]
slug = "business"
title = "Business"

[[sources]]
id = "cms-drop"
kind = "files"
url = "{drop}"
interval_seconds = 60
section = "world"
settle_seconds = 0
"""


def write_config(tmp: Path, name: str, port: int, base_port: int, store: str, hub: Hub) -> Path:
    path = tmp / name
    path.write_text(
        CONFIG.format(
            port=port,
            base_port=base_port,
            store=store,
            every=RETENTION_EVERY,
            hub=hub.url,
            drop=tmp / "drop",
        ),
        encoding="utf-8",
    )
    return path


def drop(tmp: Path, name: str, title: str, published: datetime, section: str = "world") -> None:
    """A CMS export file in the drop folder, written whole (renamed into place)."""
    folder = tmp / "drop"
    folder.mkdir(exist_ok=True)
    record = {
        "id": name,
        "url": f"https://news.test/{section}/{name}",
        "title": title,
        "summary": f"{title}, in brief.",
        "published": published.isoformat().replace("+00:00", "Z"),
        "section": section,
    }
    part = folder / f".{name}.part"
    part.write_text(json.dumps(record), encoding="utf-8")
    part.rename(folder / f"{name}.json")


@contextmanager
def serving(config: Path, port: int) -> Iterator[subprocess.Popen[str]]:
    """`newsfeeds serve` as a real process until the block ends (SIGTERM, then wait)."""
    log = open(config.with_suffix(".log"), "w", encoding="utf-8")  # noqa: SIM115
    proc = subprocess.Popen(
        [NEWSFEEDS, "serve", "--config", str(config)],
        cwd=config.parent,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until(f"http://127.0.0.1:{port}/healthz", proc, timeout=60)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def ingest(config: Path) -> None:
    """One cron run of `newsfeeds ingest`."""
    done = subprocess.run(
        [NEWSFEEDS, "ingest", "--config", str(config)],
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stdout + done.stderr


def titles(port: int, path: str = "/feeds/latest.json") -> list[str]:
    resp = requests.get(f"http://127.0.0.1:{port}{path}", timeout=5)
    return [str(i["title"]) for i in resp.json()["items"]] if resp.status_code == 200 else []


def within(seconds: float, check: Callable[[], bool]) -> float:
    """Wait for `check()`; fail past `seconds`. How long it took."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        time.sleep(0.1)
    return time.monotonic() - started


def urls(base: str, *stems: str) -> set[str]:
    return {f"{base}/feeds/{stem}.{fmt}" for stem in stems for fmt in FORMATS}


def exercise(tmp: Path, store_url: str, hub: Hub, serve_ports: list[int]) -> None:
    """Run the deployment's processes and check pings, embargo release and retention."""
    base = f"http://127.0.0.1:{serve_ports[0]}"
    (tmp / "drop").mkdir()
    configs = [
        write_config(tmp, f"serve-{n}.toml", port, serve_ports[0], store_url, hub)
        for n, port in enumerate(serve_ports)
    ]
    cron = configs[0]  # cron's ingest reads the same config
    with ExitStack() as stack:
        for config, port in zip(configs, serve_ports, strict=True):
            stack.enter_context(serving(config, port))
        empty = urls(base, "latest", "section/world", "section/business")
        within(30, lambda: set(hub.topics()) >= empty)  # empty feeds from the start, pinged
        time.sleep(1)
        seen = len(hub.topics())

        drop(tmp, "first", "First story", datetime.now(UTC) - timedelta(hours=1))
        changed_at = time.monotonic()
        ingest(cron)
        changed = urls(base, "latest", "section/world")
        within(15 - (time.monotonic() - changed_at), lambda: set(hub.topics()[seen:]) >= changed)
        pinged_after = time.monotonic() - changed_at
        time.sleep(2)  # any duplicate or stray ping would have arrived by now
        pinged = Counter(hub.topics()[seen:])
        assert set(pinged) == changed, pinged  # section/business did not change
        assert all(n == 1 for n in pinged.values()), pinged

        lifts = datetime.now(UTC) + timedelta(seconds=20)
        drop(tmp, "embargoed", "Embargoed story", lifts)
        ingest(cron)
        assert all("Embargoed story" not in titles(p) for p in serve_ports)
        time.sleep(max(0.0, (lifts - datetime.now(UTC)).total_seconds()))
        released = within(5, lambda: all("Embargoed story" in titles(p) for p in serve_ports))

        drop(tmp, "old", "Old story", datetime.now(UTC) - timedelta(days=3))
        ingest(cron)
        within(15, lambda: all("Old story" in titles(p) for p in serve_ports))
        age_first_sighting(
            store_url, "https://news.test/world/old"
        )  # three days pass for its first sighting
        aged = within(
            RETENTION_EVERY + 2, lambda: all("Old story" not in titles(p) for p in serve_ports)
        )
        assert all("First story" in titles(p) for p in serve_ports)
    print(  # shown with -s: the figures the closing note quotes
        f"pings {pinged_after:.1f} s after the change; embargo released {released:.1f} s "
        f"after its time; aged out {aged:.1f} s after its first sighting aged"
    )


def age_first_sighting(store_url: str, url: str) -> None:
    store = open_store(store_url)
    try:
        with store.begin() as conn:
            old = datetime.now(UTC) - timedelta(days=3)
            conn.execute(articles.update().where(articles.c.url == url).values(first_seen=old))
    finally:
        store.dispose()


@pytest.fixture
def hub() -> Iterator[Hub]:
    with running_hub() as server:
        yield server


@pytest.mark.slow
def test_serve_and_cron_ingest_on_sqlite(tmp_path: Path, hub: Hub) -> None:
    exercise(tmp_path, f"sqlite:///{tmp_path / 'archive.db'}", hub, [free_port()])


@pytest.mark.slow
def test_two_serves_and_ingest_on_postgresql(tmp_path: Path, hub: Hub) -> None:
    pg_support.require()
    schema, url = pg_support.create_schema()
    try:
        exercise(tmp_path, url, hub, [free_port(), free_port()])
    finally:
        pg_support.drop_schema(schema)
