"""A backup restored on a fresh machine serves the same bytes, ETags and Last-Modified.

Readers poll with If-None-Match: after a restore, every validator they hold must still
earn a 304, and every document must be the very bytes it was (invariant 2).
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import requests

from tests.service_support import cli, free_port, running, sample_config

VARIANTS = ({}, {"accept-encoding": "gzip"}, {"accept-encoding": "br"})


def served(port: int, paths: list[str]) -> dict[tuple[str, str], tuple[int, bytes, str, str]]:
    """(path, encoding) -> (status, bytes on the wire, ETag, Last-Modified) of each document."""
    out = {}
    for path in paths:
        for headers in VARIANTS:
            r = requests.get(
                f"http://127.0.0.1:{port}{path}", headers=headers, timeout=10, stream=True
            )
            wire = r.raw.read(decode_content=False)
            key = (path, headers.get("accept-encoding", "identity"))
            out[key] = (r.status_code, wire, r.headers["etag"], r.headers["last-modified"])
    return out


def settled(db: Path, sources: int = 3, timeout: float = 60) -> list[str]:
    """Every stored document's path, once every source was polled and no feed waits for a
    rebuild (the configured feeds are built empty first: alone they say nothing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(db) as conn:
            (waiting,) = conn.execute("SELECT count(*) FROM feeds WHERE dirty_seq > built_seq")
            (polled,) = conn.execute("SELECT count(last_success) FROM source_state")
            paths = [p for (p,) in conn.execute("SELECT path FROM documents ORDER BY path")]
        if waiting == (0,) and polled == (sources,):
            return paths
        time.sleep(0.2)
    raise AssertionError("the polls and rebuilds did not finish")


def small_pages(config: Path, port: int | None = None) -> None:
    """Five items per feed and pages of four, so archive pages exist; another port if given."""
    text = config.read_text(encoding="utf-8").replace(
        "items = 50", "items = 5\narchive_page_items = 4"
    )
    if port is not None:
        text = text.replace("\nport = ", f"\nport = {port}\n# was: ", 1)
    config.write_text(text, encoding="utf-8")


def test_a_restored_backup_serves_byte_identical_documents_and_etags(tmp_path: Path) -> None:
    port, first = free_port(), tmp_path / "first"
    first.mkdir()
    config = sample_config(first, port)
    small_pages(config)
    with running(config, port):
        paths = settled(first / "newsfeeds.db")
        assert any("/archive/" in p for p in paths) and len(paths) > 60
        before = served(port, paths)
        backup = cli(config, "backup", str(tmp_path / "backup" / "archive.db"))  # online
        assert backup.returncode == 0, backup.stderr

    # a fresh machine: another folder, another port, nothing but the backup and the config
    fresh, port2 = tmp_path / "fresh", free_port()
    fresh.mkdir()
    shutil.copyfile(tmp_path / "backup" / "archive.db", fresh / "newsfeeds.db")
    restored = sample_config(fresh, port)  # base_url is part of every document: keep it
    small_pages(restored, port2)
    with running(restored, port2):
        assert settled(fresh / "newsfeeds.db") == paths
        assert served(port2, paths) == before
        for (path, _), (_, _, etag, _) in list(before.items())[::7]:
            again = requests.get(
                f"http://127.0.0.1:{port2}{path}", headers={"if-none-match": etag}, timeout=10
            )
            assert again.status_code == 304, path
    # the restored drop folder got its seed again: polled again (as a restored machine does
    # once a source is due), the same exports must change nothing
    again = cli(restored, "ingest")
    assert again.returncode == 0, again.stderr
    rebuilt = cli(restored, "build")  # every feed rebuilt from the restored archive
    assert rebuilt.returncode == 0, rebuilt.stderr
    with running(restored, port2):
        assert served(port2, paths) == before
