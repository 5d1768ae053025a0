"""Run a full rebuild in its own process, so its peak memory (VmHWM) is its own; print JSON."""

from __future__ import annotations

import json
import sys
import time

from bench import data
from bench.rendering import feedgen_alone
from feeds import publish
from feeds.archive import articles as archived
from feeds.archive import open_store, queue


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(url: str, sections: int, countries: int) -> None:
    """Full rebuild of every dirty feed, then feedgen alone on the same feeds' articles."""
    shape = data.Shape(sections=sections, countries=countries)
    site = data.site_of(shape)
    store = open_store(url)
    started = time.perf_counter()
    report = publish.rebuild_dirty(store, site, owner="bench", now=lambda: data.NOW)
    ours = time.perf_counter() - started
    peak = peak_rss_mb()
    baseline = 0.0
    with store.read() as conn:
        names = queue.all_feed_names(conn)
        for name in names:
            articles = archived.newest(conn, name, site.items)  # untimed: feedgen's input
            if not articles:
                continue
            t = time.perf_counter()
            feedgen_alone(articles)
            baseline += time.perf_counter() - t
    store.dispose()
    json.dump(
        {
            "seconds": ours,
            "feeds": report.feeds,
            "documents": len(report.changed),
            "peak_mb": peak,
            "feedgen_seconds": baseline,
            "feedgen_feeds": len(names),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
