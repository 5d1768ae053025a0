"""`python -m bench [--quick | --scale [--articles N]] [--only ROW]`: print one table."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import (
    data,
    docroot,
    hotpath,
    ingest,
    push,
    readers,
    rendering,
    scale,
    serving,
    sets,
    tools,
)
from bench.table import Result, render
from feeds.archive import open_store
from feeds.build import publish

EVERYDAY = data.Shape(sections=5, countries=10, body_bytes=300)
SCALE = data.Shape(sections=40, countries=250, body_bytes=300)  # ~10,000 feeds


def everyday(quick: bool) -> dict[str, Callable[[], list[Result]]]:
    """The everyday rows (or their smoke versions), by name."""
    articles = 2_000 if quick else 100_000

    def push_rows() -> list[Result]:
        with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp:
            work = Path(tmp)
            url, seeded = sets.sqlite_copy(articles, EVERYDAY, work)
            store = open_store(url)
            publish.rebuild_dirty(
                store, data.site_of(EVERYDAY), owner="bench", now=lambda: data.NOW
            )
            times = push.measure(url, EVERYDAY, work, 3 if quick else 20, articles)
            rows = [
                push.latency_row(
                    f"push (POST /api/articles) → new bytes served, {articles:,} articles "
                    f"[{seeded}]",
                    times,
                ),
                push.rewrites_row(store, EVERYDAY, articles + 1000),
            ]
            store.dispose()
            return rows

    return {
        "serve": lambda: serving.run(2 if quick else 10),
        "readers": lambda: readers.run(1 if quick else 4),
        "hotpath": lambda: hotpath.run(2_000 if quick else 50_000),
        "ingest": lambda: ingest.run(2 if quick else 7),
        "render": lambda: rendering.run(3 if quick else 15),
        "push": push_rows,
        "docroot": lambda: docroot.serve_rows(2 if quick else 10, 1 if quick else 2),
        "docroot-push": lambda: docroot.push_rows(EVERYDAY, 4 if quick else 20),
    }


def scale_rows(articles: int) -> dict[str, Callable[[], list[Result]]]:
    """The scale rows, by name."""
    small = max(1, articles // 100)

    def rebuild(engine: str) -> list[Result]:
        label = f"full rebuild, {articles:,} articles, {engine}"
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            if engine == "SQLite":
                stamp = sets.code_stamp()  # before the rebuild: the code it runs
                url, seeded = sets.sqlite_copy(articles, SCALE, Path(tmp))
                result = scale.full_rebuild(label, url, SCALE, seeded)
                # the rebuilt copy is what push-scale needs: keep it rather than build again
                sets.keep_built(articles, SCALE, Path(tmp) / "archive.db", stamp)
                return [result]
            why = sets.pg_available()
            if why:
                return [Result.skipped(label, scale.TARGET, why)]
            url, seeded = sets.pg_copy(articles, SCALE)
            return [scale.full_rebuild(label, url, SCALE, seeded)]

    def push_scale() -> list[Result]:
        with tempfile.TemporaryDirectory(prefix="bench-scale-push-") as tmp:
            big = scale.push_at(articles, SCALE, Path(tmp) / "big", 10)
            little = scale.push_at(small, SCALE, Path(tmp) / "small", 10)
        return [scale.push_ratio_row(articles, small, big, little)]

    return {
        "rebuild-sqlite": lambda: rebuild("SQLite"),
        "rebuild-pg": lambda: rebuild("PostgreSQL"),
        "push-scale": push_scale,
    }


def main() -> None:
    """Parse options, run the chosen rows, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", action="store_true", help="the 1,000,000-article rows")
    parser.add_argument("--quick", action="store_true", help="a smoke run under 60 s")
    parser.add_argument("--only", action="append", metavar="ROW", help="run only this row")
    parser.add_argument(
        "--articles", type=int, default=1_000_000, help="scale set size (a reduced run must say so)"
    )
    args = parser.parse_args()
    rows = scale_rows(args.articles) if args.scale else everyday(args.quick)
    unknown = set(args.only or ()) - set(rows)
    if unknown:
        parser.error(f"unknown row(s) {sorted(unknown)}; choose from {sorted(rows)}")
    started = time.perf_counter()
    results: list[Result] = []
    for name, run in rows.items():
        if args.only and name not in args.only:
            continue
        try:
            results += run()
        except Exception as exc:  # one failed row must not hide the others' numbers
            traceback.print_exc()
            results.append(Result.skipped(name, "—", f"failed: {exc}"[:200]))
    mode = "scale" if args.scale else "quick" if args.quick else "everyday"
    header = (
        f"newsfeeds bench ({mode}), {os.cpu_count()} cores, server on core "
        f"{tools.cores()[0]}, load generator on core {tools.cores()[1]}, "
        f"{time.perf_counter() - started:.0f} s"
    )
    print(render(results, header))


if __name__ == "__main__":
    main()
