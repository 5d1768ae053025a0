"""Render row: one 50-item feed (query + render + compress + store) vs feedgen alone."""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from feedgen.feed import FeedGenerator

from bench import data
from bench.table import Result, verdict
from feeds.archive import documents as docs
from feeds.archive import membership, open_store
from feeds.archive.engine import Store
from feeds.build import publish
from feeds.intake import take
from feeds.site import Site
from sources.model.article import Article

SHAPE = data.Shape(sections=1, countries=1, body_bytes=4000)
TARGET = "≤ 2× its time"


def feedgen_alone(articles: list[Article]) -> bytes:
    """Plain feedgen RSS for the same articles: the limit this row is held to."""
    fg = FeedGenerator()
    fg.title("Bench Ledger: Latest")
    fg.link(href=data.BASE_URL + "/feeds/latest.rss", rel="self")
    fg.link(href=data.BASE_URL + "/", rel="alternate")
    fg.description("bench")
    fg.lastBuildDate(articles[0].updated)
    for a in articles:
        fe = fg.add_entry(order="append")
        fe.guid(a.guid, permalink=False)
        fe.title(a.title)
        fe.link(href=a.url)
        fe.description(a.summary)
        if a.content:
            fe.content(a.content, type="CDATA")
        fe.pubDate(a.published)
        for name in a.authors:
            fe.author(name=name, email="news@" + data.AUTHORITY)
        fe.category(term=a.section)
    return bytes(fg.rss_str())


def _edit(store: Store, n: int) -> None:
    """Change one article's title through intake (untimed), so the next rebuild writes."""
    raw = data.raw_item(SHAPE, 0, 300)
    raw = dataclasses.replace(raw, title=f"{raw.title} (update {n})")
    take(store, data.sources_of(SHAPE)[0], [raw], data.rules(), now=data.NOW)


def run(rounds: int) -> list[Result]:
    """Median seconds per feed over `rounds` edits and rebuilds, and feedgen on the same items."""
    site = data.site_of(SHAPE, formats=("rss",))
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp)}/render.db")
        data.seed(store, SHAPE, 60, seed_value=300)
        publish.rebuild_dirty(store, site, owner="bench", now=lambda: data.NOW)
        ours = []
        for n in range(rounds):
            _edit(store, n)
            started = time.perf_counter()
            report = publish.rebuild_dirty(store, site, owner="bench", now=lambda: data.NOW)
            ours.append((time.perf_counter() - started) / report.feeds)
        carried = _carried(store, site, report.changed)
        store.dispose()
    theirs = []
    for _ in range(rounds):
        started = time.perf_counter()
        for articles in carried:
            feedgen_alone(articles)
        theirs.append((time.perf_counter() - started) / len(carried))
    mine, base = statistics.median(ours), statistics.median(theirs)
    sizes = "/".join(str(len(a)) for a in carried)
    return [
        Result(
            row=f"render one 50-item feed (query + render + compress + store), RSS "
            f"[the {len(carried)} feeds an edit rebuilds, holding {sizes} items]",
            figure=f"{mine * 1000:.2f} ms/feed",
            limit=f"feedgen alone {base * 1000:.2f} ms/feed",
            ratio=f"{mine / base:.2f}×",
            target=TARGET,
            verdict=verdict(mine / base <= 2.0),
        )
    ]


def _carried(store: Store, site: Site, paths: list[str]) -> list[list[Article]]:
    """The articles each rebuilt document holds, newest first: feedgen's input.

    An archived feed's current document holds between `items` and `items + page - 1`
    arrivals (feeds/build/history.py), so the limit renders exactly what each document holds.
    """
    out = []
    with store.read() as conn:
        for path in sorted(paths):
            doc = docs.get(conn, path)
            assert doc is not None
            feed = doc.feed
            out.append(membership.newest(conn, feed, doc.item_count))
    return out
