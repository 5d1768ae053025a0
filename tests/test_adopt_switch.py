"""The switch-over end to end: an old system on 127.0.0.1, adopted, then replaced at its URL.

The old system serves a WordPress-shaped RSS feed and an Atom feed of ten stories;
`newsfeeds adopt` reads both; the same stories then arrive through a `page` source and the
push API with https, tracking parameters and changed slugs, and two stories are published
after the switch. Every served document carries the legacy id of its format, and a real
reader (newsboat) subscribed to the old URL, following its 301, sees no story twice and
exactly the two new ones as new; feedparser's ids say the same.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
import requests
from lxml import etree
from pytest_httpserver import HTTPServer

from tests.legacy_support import STORIES, atom_id, published, rss_guid, serve_old_system
from tests.service_support import cli, free_port, running

pytestmark = pytest.mark.slow

ATOM = "{http://www.w3.org/2005/Atom}"
TOKEN = "switch-test-token"
ENV = {"NEWSFEEDS_SWITCH_TOKENS": f"cms:{TOKEN}"}
PAGED = (101, 102, 103, 104, 105)  # arrive as pages; the other five by push
NEW = (201, 202)  # published after the switch
CONFIG = """
[site]
title = "Old Times"
base_url = "http://127.0.0.1:{port}"
authority = "news.example.com"

[server]
port = {port}

[store]
url = "sqlite:///{db}"

[scheduler]
min_interval_seconds = 1
jitter_seconds = 0

[feeds]
combos = "none"

[fetch]
host_gap_seconds = 0

[api]
tokens_env = "NEWSFEEDS_SWITCH_TOKENS"

[[sections]]
slug = "world"
title = "World"

[[sources]]
id = "site"
kind = "page"
urls = [{pages}]
interval_seconds = 3600
section = "world"
id_pattern = '/2026/03/(\\d+)/'

[[redirects]]
from = "/feed/"
to = "/feeds/latest.rss"
serve = {serve}
"""


def new_url(n: int) -> str:
    """Story n on the new site: https, a changed slug, tracking parameters."""
    return f"https://old.example.com/2026/03/{n}/new-slug-{n}/?utm_source=rss&fbclid=abc"


def page_html(n: int) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": f"Story {n}",
        "description": f"Story {n} on the new site.",
        "datePublished": "2026-03-05T09:00:00Z",
    }
    return (
        f'<html><head><link rel="canonical" href="{new_url(n)}">'
        f'<script type="application/ld+json">{json.dumps(data)}</script></head>'
        f"<body><p>Story {n}.</p></body></html>"
    )


@pytest.fixture
def old_system() -> Iterator[HTTPServer]:
    """The old site on the port newsfeeds takes over later: its feeds and its pages."""
    server = HTTPServer(host="127.0.0.1", port=free_port())
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    for n in PAGED:
        server.expect_request(f"/pages/{n}").respond_with_data(
            page_html(n), content_type="text/html"
        )
    serve_old_system(server, per_page=10)  # WordPress's default: all ten on the first page
    server.start()
    try:
        yield server
    finally:
        if server.is_running():
            server.stop()


def push(port: int, n: int) -> None:
    record = {
        "id": f"cms-{n}",
        "url": new_url(n),
        "title": f"Story {n}",
        "summary": f"Story {n}, pushed.",
        "section": "world",
        "published": "2026-03-05T09:00:00Z" if n in STORIES else f"2026-03-06T0{n - 200}:00:00Z",
    }
    reply = requests.post(
        f"http://127.0.0.1:{port}/api/articles",
        json=record,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert reply.status_code == 202, reply.text


def feed(port: int, path: str, count: int) -> bytes:
    """A served document once it lists `count` items (rebuilds follow pushes)."""
    for _ in range(150):
        body = requests.get(f"http://127.0.0.1:{port}{path}", timeout=5).content
        found = json.loads(body)["items"] if path.endswith(".json") else None
        if len(found if found is not None else feedparser.parse(body).entries) == count:
            return body
        subprocess.run(["sleep", "0.2"], check=True)
    raise AssertionError(f"{path} never listed {count} items")


class Reader:
    """newsboat with its own cache, subscribed to one URL."""

    def __init__(self, tmp: Path, url: str) -> None:
        self.home, self.cache = tmp / "newsboat", tmp / "newsboat" / "cache.db"
        self.home.mkdir()
        (self.home / "urls").write_text(url + "\n")
        (self.home / "config").write_text("")

    def reload(self) -> None:
        args = ["-x", "reload", "-u", "urls", "-c", "cache.db", "-C", "config"]
        subprocess.run(["newsboat", *args], cwd=self.home, env={"HOME": str(self.home)},
                       check=True, timeout=60)  # fmt: skip

    def items(self) -> list[tuple[str, str, int]]:
        with sqlite3.connect(self.cache) as db:
            return db.execute("SELECT guid, title, unread FROM rss_item ORDER BY title").fetchall()

    def read_all(self) -> None:
        with sqlite3.connect(self.cache) as db:
            db.execute("UPDATE rss_item SET unread = 0")


def switch(
    tmp_path: Path, old: HTTPServer, reader: Reader | None, *, serve: bool = False
) -> dict[str, bytes]:
    """Adopt, ingest, replace the old system at its port, push; the served documents.

    The old feed's path then answers 301 to the new feed, or with `serve` the new feed
    itself (its self link that path)."""
    port = old.port
    pages = ", ".join(f'"http://127.0.0.1:{port}/pages/{n}"' for n in PAGED)
    config = tmp_path / "config.toml"
    text = CONFIG.format(port=port, db=tmp_path / "nf.db", pages=pages, serve=str(serve).lower())
    config.write_text(text)
    base = f"http://127.0.0.1:{port}"
    adopted = cli(config, "adopt", f"{base}/feed/", f"{base}/feed/atom/")
    assert adopted.returncode == 0, adopted.stderr + adopted.stdout
    assert "adopted 10" in adopted.stdout
    ingested = cli(config, "ingest")
    assert ingested.returncode == 0, ingested.stderr + ingested.stdout
    old_rss = requests.get(f"{base}/feed/", timeout=5).content
    old.stop()  # the switch: newsfeeds answers at the old address from now on
    with running(config, port, env=ENV, command="serve"):
        for n in (*[s for s in STORIES if s not in PAGED], *NEW):
            push(port, n)
        docs = {f: feed(port, f"/feeds/latest.{f}", 12) for f in ("rss", "atom", "json")}
        moved = requests.get(f"{base}/feed/", allow_redirects=False, timeout=5)
        if serve:
            assert moved.status_code == 200
            self_link = etree.fromstring(moved.content).find(f"channel/{ATOM}link[@rel='self']")
            assert self_link is not None and self_link.get("href") == f"{base}/feed/"
        else:
            assert (moved.status_code, moved.headers["location"]) == (301, "/feeds/latest.rss")
        if reader is not None:
            reader.reload()
    return {"old.rss": old_rss, **docs}


@pytest.mark.parametrize("serve", [False, True], ids=["301", "served-in-place"])
def test_every_format_carries_its_legacy_id(
    tmp_path: Path, old_system: HTTPServer, serve: bool
) -> None:
    docs = switch(tmp_path, old_system, None, serve=serve)
    rss = {i.findtext("title"): i.find("guid") for i in etree.fromstring(docs["rss"]).iter("item")}
    atom = {
        e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}id")
        for e in etree.fromstring(docs["atom"]).iter(f"{ATOM}entry")
    }
    items = {i["title"]: i for i in json.loads(docs["json"])["items"]}
    for n in STORIES:
        title = f"Story {n}"
        assert (rss[title].text, rss[title].get("isPermaLink")) == (rss_guid(n), "false")
        assert atom[title] == atom_id(n)
        assert items[title]["id"] == rss_guid(n)
        assert items[title]["date_published"] == published(n).strftime("%Y-%m-%dT%H:%M:%SZ")
    for n in NEW:
        assert (rss[f"Story {n}"].text or "").startswith("tag:news.example.com,2026:article/")
    # feedparser, as aggregators built on it see them: the old ids, then two new ones
    old_ids = {e.id for e in feedparser.parse(docs["old.rss"]).entries}
    new_ids = {e.id for e in feedparser.parse(docs["rss"]).entries}
    assert len(old_ids) == 10 and old_ids < new_ids and len(new_ids - old_ids) == 2


@pytest.mark.skipif(
    shutil.which("newsboat") is None,
    reason="newsboat is not installed (Debian package `newsboat`; .ci/run installs it)",
)
@pytest.mark.parametrize("serve", [False, True], ids=["301", "served-in-place"])
def test_newsboat_on_the_old_url_sees_only_the_two_new_stories(
    tmp_path: Path, old_system: HTTPServer, serve: bool
) -> None:
    reader = Reader(tmp_path, f"http://127.0.0.1:{old_system.port}/feed/")
    reader.reload()
    assert len(reader.items()) == 10
    reader.read_all()
    switch(tmp_path, old_system, reader, serve=serve)
    items = reader.items()
    assert len(items) == 12 and len({guid for guid, _, _ in items}) == 12
    assert sorted(title for _, title, unread in items if unread) == ["Story 201", "Story 202"]
