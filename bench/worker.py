"""Run a full rebuild in its own process, so its peak memory (VmHWM) is its own; print JSON."""

from __future__ import annotations

import json
import sys
import time

from bench import data
from bench.rendering import feedgen_alone
from feeds import history, publish
from feeds.archive import articles as archived
from feeds.archive import documents as docs
from feeds.archive import open_store, queue
from feeds.archive import pages as archive_pages
from feeds.archive.engine import Store
from feeds.site import Site, meta_for
from sources.article import Article

PAGE_SAMPLE = 10  # one archive page in ten is rendered by feedgen for the limit


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(url: str, sections: int, countries: int) -> None:
    """Full rebuild of every dirty feed, then feedgen alone on the same documents' articles."""
    shape = data.Shape(sections=sections, countries=countries)
    site = data.site_of(shape)
    store = open_store(url)
    started = time.perf_counter()
    report = publish.rebuild_dirty(store, site, owner="bench", now=lambda: data.NOW)
    ours = time.perf_counter() - started
    peak = peak_rss_mb()
    baseline = _feedgen_alone(store, site)
    store.dispose()
    json.dump(
        {
            "seconds": ours,
            "feeds": report.feeds,
            "documents": len(report.changed),
            "peak_mb": peak,
            **baseline,
        },
        sys.stdout,
    )


def _feedgen_alone(store: Store, site: Site) -> dict[str, float]:
    """feedgen RSS (untimed queries) on every current document's articles and a sample of pages.

    Every archive page holds `archive_page_items` articles and there are tens of thousands
    at scale, so one page in PAGE_SAMPLE is rendered and the pages' total extrapolated.
    """
    current = pages = sampled = 0
    current_s = pages_s = 0.0
    with store.read() as conn:
        for name in queue.all_feed_names(conn):
            doc = docs.get(conn, f"{meta_for(site, name).key.stem}.rss")
            if doc is None or not doc.item_count:
                continue
            current_s += _timed(archived.newest(conn, name, doc.item_count))
            current += 1
            last = archive_pages.last_position(conn, name)
            count = history.archived_pages(last, site.items, site.archive_page_items)
            if not history.is_archived(meta_for(site, name).key):
                continue
            pages += count
            for n in range(PAGE_SAMPLE, count + 1, PAGE_SAMPLE):
                first, end = history.page_bounds(n, site.archive_page_items)
                members = archive_pages.members_between(conn, name, first, end, listed=True)
                pages_s += _timed(members)
                sampled += 1
    estimate = current_s + (pages_s / sampled * pages if sampled else 0.0)
    return {
        "feedgen_seconds": estimate,
        "feedgen_feeds": current + pages,
        "feedgen_pages_sampled": sampled,
        "feedgen_pages": pages,
    }


def _timed(articles: list[Article]) -> float:
    """Seconds feedgen alone takes to render these articles as RSS."""
    if not articles:
        return 0.0
    started = time.perf_counter()
    feedgen_alone(articles)
    return time.perf_counter() - started


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
