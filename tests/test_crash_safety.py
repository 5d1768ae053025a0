"""kill -9 at named points and at random moments: no torn document, nothing committed lost.

Each round drops new and edited CMS articles into the drop folder, starts `newsfeeds run`
as a real subprocess, kills it with SIGKILL (at a crash point named in NEWSFEEDS_CRASH_AT,
or after a seeded random delay), then checks the archive: every stored document is whole
and well-formed, every article committed before the kill is still there exactly once with
its guid unchanged, and every file the service settled into done/ is in the archive.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import brotli
import pytest
import requests
from lxml import etree

from feeds.crashpoints import POINTS
from tests.service_support import NEWSFEEDS, ROOT, free_port, running, sample_config


@dataclass(frozen=True, slots=True)
class Workdir:
    """One service's config, archive and drop folder, reused across kills and restarts."""

    root: Path
    port: int

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def db(self) -> Path:
        return self.root / "newsfeeds.db"

    @property
    def drop(self) -> Path:
        return self.root / "drop"


def workdir(root: Path) -> Workdir:
    """A service polling its drop folder every second (files settle at once)."""
    port = free_port()
    path = sample_config(root, port, extra="settle_seconds = 0\n")
    text = path.read_text(encoding="utf-8")
    text = text.replace("min_interval_seconds = 60", "min_interval_seconds = 1")
    text = text.replace("interval_seconds = 60\n", "interval_seconds = 1\n")
    path.write_text(text, encoding="utf-8")
    return Workdir(root, port)


def drop_articles(wd: Workdir, batch: int, new: int = 3, edits: int = 1) -> None:
    """Write a CMS export atomically (tmp, then rename): new stories and edits of old ones."""
    wd.drop.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    records = [_record(f"{batch}-{i}", f"Story {batch}-{i}", stamp) for i in range(new)]
    records += [
        _record(f"{b}-0", f"Story {b}-0, updated in batch {batch}", stamp)
        for b in range(max(0, batch - edits), batch)
    ]
    tmp = wd.drop / f"batch-{batch:04d}.json.tmp"
    tmp.write_text(json.dumps(records), encoding="utf-8")
    tmp.rename(wd.drop / f"batch-{batch:04d}.json")


def _record(key: str, title: str, stamp: str) -> dict[str, object]:
    return {
        "id": f"crash-{key}",
        "url": f"https://news.example.com/india/crash/{key}",
        "title": title,
        "summary": f"Summary of story {key}.",
        "content_html": f"<p>Body of story {key}.</p>",
        "section": "india",
        "countries": ["IN"],
        "published": stamp,
        "updated": stamp,
    }


def start(wd: Workdir, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`newsfeeds run` in the background, output discarded."""
    return subprocess.Popen(
        [*NEWSFEEDS, "--config", str(wd.config), "run"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def read_only(archive: Path) -> sqlite3.Connection:
    """A connection that never creates the file: an empty one would be refused at start."""
    return sqlite3.connect(f"file:{archive}?mode=ro", uri=True)


def articles(wd: Workdir) -> dict[str, str]:
    """id -> guid of every committed article (none if killed before the archive existed)."""
    if not wd.db.exists():  # a new archive appears whole, by rename, or not at all
        return {}
    with read_only(wd.db) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles'").fetchone():
            return {}
        return dict(db.execute("SELECT id, guid FROM articles").fetchall())


def check_archive(wd: Workdir, before: dict[str, str]) -> dict[str, str]:
    """Assert the archive is whole; return id -> guid now."""
    now = articles(wd)
    for article_id, guid in before.items():
        assert now.get(article_id) == guid, f"article {article_id} lost or its guid changed"
    if not now:  # killed before the first commit (maybe before the schema existed)
        assert not settled_ids(wd), "files settled but nothing committed"
        return now
    with sqlite3.connect(wd.db) as db:
        dup = db.execute("SELECT url FROM articles GROUP BY url HAVING COUNT(*) > 1").fetchall()
        assert dup == [], f"duplicate articles: {dup}"
        keys = dict(db.execute("SELECT key, article_id FROM article_keys").fetchall())
    for name in settled_ids(wd):
        assert keys.get(f"up:cms-drop:{name}") in now, f"{name} settled but not in the archive"
    check_documents(wd.db)
    return now


def settled_ids(wd: Workdir) -> set[str]:
    """Upstream ids of every record in a file the service moved to done/ (committed)."""
    found: set[str] = set()
    for path in sorted((wd.drop / "done").glob("batch-*.json")):
        found |= {str(r["id"]) for r in json.loads(path.read_text(encoding="utf-8"))}
    return found


def check_documents(archive: Path) -> int:
    """Every stored document is complete and well-formed; return how many there are."""
    if not archive.exists():
        return 0
    with read_only(archive) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'documents'").fetchone():
            return 0  # killed before the schema existed (as `articles` allows for)
        rows = db.execute("SELECT path, body, gzip, br, item_count FROM documents").fetchall()
    for path, body, gz, br, items in rows:
        assert gzip.decompress(gz) == body, path
        assert br is None or brotli.decompress(br) == body, path
        ids = item_ids(path, body)
        assert len(ids) == items, (path, len(ids), items)
        assert len(set(ids)) == len(ids), f"duplicate item in {path}"
    return len(rows)


def item_ids(path: str, body: bytes) -> list[str]:
    """The item ids of a document, parsing it strictly (raises if it is torn)."""
    if path.endswith(".json"):
        return [str(item["id"]) for item in json.loads(body)["items"]]
    tree = etree.fromstring(body)
    found = tree.xpath("//item/guid/text() | //*[local-name()='entry']/*[local-name()='id']")
    return [x if isinstance(x, str) else x.text for x in found]


def quiesce(wd: Workdir, timeout: float = 60) -> None:
    """Wait until the drop folder is consumed and no feed waits for a rebuild."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = list(wd.drop.glob("*.json"))
        with sqlite3.connect(wd.db) as db:
            pending = db.execute(
                "SELECT COUNT(*) FROM feeds WHERE dirty_seq > built_seq OR lease_owner IS NOT NULL"
            ).fetchone()[0]
            unpolled = db.execute(
                "SELECT COUNT(*) FROM source_state WHERE last_success IS NULL"
            ).fetchone()[0]
        if not waiting and not pending and not unpolled:
            return
        time.sleep(0.2)
    state = (waiting, pending, unpolled)
    raise AssertionError(f"service did not settle within {timeout} s: {state}")


def check_served(wd: Workdir) -> None:
    """Every document over HTTP parses; latest.json carries every live article once."""
    base = f"http://127.0.0.1:{wd.port}"
    with sqlite3.connect(wd.db) as db:
        paths = [r[0] for r in db.execute("SELECT path FROM documents")]
        live = sorted(r[0] for r in db.execute("SELECT guid FROM articles WHERE status = 'live'"))
    for path in paths:
        resp = requests.get(base + path, timeout=5)
        assert resp.status_code == 200, path
        item_ids(path, resp.content)
    with sqlite3.connect(wd.db) as db:
        body = db.execute("SELECT body FROM documents WHERE path = '/feeds/latest.json'")
        stored = sorted(item_ids("/feeds/latest.json", body.fetchone()[0]))
    if len(live) <= 50:  # feeds.items: latest then holds every live article
        assert stored == live, set(stored) ^ set(live)
    deadline = time.monotonic() + 5  # the server's cache follows the archive's generation
    while True:
        resp = requests.get(base + "/feeds/latest.json", timeout=5)
        served = sorted(item_ids("/feeds/latest.json", resp.content))
        if served == stored or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert served == stored, set(served) ^ set(stored)


def verify_restart(wd: Workdir, before: dict[str, str]) -> dict[str, str]:
    """Restart cleanly, let it catch up, check archive and served feeds, stop with SIGTERM."""
    with running(wd.config, wd.port) as proc:
        quiesce(wd)
        now = check_archive(wd, before)
        check_served(wd)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    return now


def kill_at(wd: Workdir, point: str, timeout: float = 30) -> None:
    """Start with a crash point set and wait until the process SIGKILLs itself there."""
    proc = start(wd, {"NEWSFEEDS_CRASH_AT": point})
    try:
        code = proc.wait(timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == -signal.SIGKILL, f"{point}: exited {code}, not killed at the point"


def test_kill_at_every_named_point_then_restart(tmp_path: Path) -> None:
    wd = workdir(tmp_path)
    known: dict[str, str] = {}
    for batch, point in enumerate(POINTS):
        drop_articles(wd, batch)
        kill_at(wd, point)
        known = check_archive(wd, known)  # what the kill left committed must survive
        known = verify_restart(wd, known)
    assert {f"crash-{b}-{i}" for b in range(len(POINTS)) for i in range(3)} <= settled_ids(wd)


@dataclass(frozen=True, slots=True)
class Kill:
    """One random kill: when it struck and what the archive held after it."""

    round: int
    delay: float
    articles: int
    documents: int


def random_kills(seed: int, n: int, root: Path) -> list[Kill]:
    """Kill `newsfeeds run` n times at seeded random moments; check after each; return them."""
    rng = random.Random(seed)
    wd = workdir(root)
    known: dict[str, str] = {}
    results = []
    for i in range(n):
        drop_articles(wd, i, new=rng.randint(1, 20), edits=rng.randint(0, 3))
        proc = start(wd)
        delay = rng.uniform(0.3, 4.0)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        known = check_archive(wd, known)
        results.append(Kill(i, round(delay, 3), len(known), check_documents(wd.db)))
    verify_restart(wd, known)
    return results


@pytest.mark.slow
def test_seeded_random_kills(tmp_path: Path) -> None:
    results = random_kills(seed=7, n=20, root=tmp_path)
    assert len(results) == 20
    assert results[-1].articles > 0
