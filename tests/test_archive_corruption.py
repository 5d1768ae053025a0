"""A damaged archive is noticed, as `newsfeeds run` meets it (issue 17, case 7).

On 7710bd8, 64 KB of junk in the middle of the SQLite file went unnoticed: the service
started, /healthz said ok and pushes were accepted into the damaged file; a zero-byte
file was silently made a new, empty archive.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import requests

from tests.http_support import eventually
from tests.service_support import cli, free_port, running, sample_config

TOKEN = "corruption-test-token"
ENV = {"NEWSFEEDS_API_TOKENS": f"cms:{TOKEN}"}


def push(port: int, n: int) -> requests.Response:
    """Post one article to the push API."""
    article = {"id": f"c-{n}", "url": f"https://news.example.com/c/{n}", "title": f"Story {n}"}
    return requests.post(
        f"http://127.0.0.1:{port}/api/articles",
        data=json.dumps(article),
        headers={"authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
        timeout=10,
    )


def test_junk_in_the_middle_turns_healthz_503_and_refuses_every_push(tmp_path: Path) -> None:
    port = free_port()
    config = sample_config(tmp_path, port)
    assert cli(config, "ingest").returncode == 0
    db = tmp_path / "newsfeeds.db"
    size = db.stat().st_size
    assert size > 1_000_000  # the junk lands among data pages, not in the header
    with db.open("r+b") as handle:
        handle.seek(size // 2 - 32_768)
        handle.write(random.Random(7).randbytes(65_536))
    with running(config, port, env=ENV, wait_for="/feeds/style.xsl"):  # it starts at once
        health = f"http://127.0.0.1:{port}/healthz"
        eventually(lambda: requests.get(health, timeout=5).status_code == 503, timeout=60)
        assert "corrupt" in requests.get(health, timeout=5).text
        replies = [push(port, n) for n in range(5)]
    # pushes accepted into the damaged file: 0 of 5 (7710bd8: 5 of 5, /healthz "ok")
    assert [r.status_code for r in replies] == [503] * 5
    assert all(r.headers["retry-after"] == "30" for r in replies)


def test_a_zero_byte_archive_is_refused_with_a_message_not_replaced(tmp_path: Path) -> None:
    config = sample_config(tmp_path, free_port())
    db = tmp_path / "newsfeeds.db"
    db.touch()
    refused = cli(config, "ingest")
    assert refused.returncode == 4, refused.stderr  # 7710bd8: 0, and a new empty archive
    assert "is empty" in refused.stderr and "--init" in refused.stderr
    assert db.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.glob("newsfeeds.db*")) == ["newsfeeds.db"]
    accepted = cli(config, "ingest", "--init")
    assert accepted.returncode == 0, accepted.stderr
    assert db.stat().st_size > 0
