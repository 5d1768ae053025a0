"""A full rebuild by P processes at once, then feedgen alone on the same articles; print JSON.

`python -m bench.worker URL SECTIONS COUNTRIES [P]` runs the measurement; it starts its
children as `python -m bench.worker part|baseline URL SECTIONS COUNTRIES I P`. Every child
is a process of its own (started, not forked, so no database connection is shared), which
makes its CPU time and peak memory (VmHWM) its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from typing import IO, Any

import sqlalchemy as sa

from bench import data
from bench.rendering import feedgen_alone
from feeds.archive import documents as docs
from feeds.archive import membership, open_store, queue
from feeds.archive.engine import Store
from feeds.build import history, publish
from feeds.site import Site, meta_for
from sources.model.article import Article

PAGE_SAMPLE = 10  # one history page in ten is rendered by feedgen for the limit
READY, GO = "ready", "go"  # the children's start line: every one is imported and connected
Json = dict[str, Any]


def default_processes() -> int:
    """One rebuild process per core, at most 2 (the bench machine has 2 cores)."""
    return min(os.cpu_count() or 2, 2)


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds() -> float:
    """User plus system CPU time this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(url: str, sections: int, countries: int, processes: int) -> None:
    """Rebuild every dirty feed with `processes` children, check none is left, then feedgen."""
    open_store(url).dispose()  # migrations once, before the children open the store
    args = [url, str(sections), str(countries)]
    parts, wall = _run_children("part", args, processes)
    store = open_store(url, run_migrations=False)
    with store.read() as conn:
        left = queue.pending(conn)
    store.dispose()
    if left:
        raise SystemExit(f"{left:,} feeds are still dirty after the rebuild: {parts}")
    baselines, _ = _run_children("baseline", args, processes)
    json.dump(_summary(wall, parts, baselines), sys.stdout)


def _summary(wall: float, parts: list[Json], baselines: list[Json]) -> Json:
    """The rebuild children's totals and the feedgen estimate over every baseline child."""
    sampled = sum(b["pages_sampled"] for b in baselines)
    pages = sum(b["pages"] for b in baselines)
    pages_cpu = sum(b["pages_cpu"] for b in baselines)
    server = [p["server_cpu_seconds"] for p in parts]
    return {
        "processes": len(parts),
        "seconds": wall,
        "cpu_seconds": sum(p["cpu_seconds"] for p in parts),
        # None when the database is SQLite or its server's processes are not readable here
        "server_cpu_seconds": None if None in server else sum(server),
        "feeds": sum(p["feeds"] for p in parts),
        "documents": sum(p["documents"] for p in parts),
        "peak_mb": max(p["peak_mb"] for p in parts),
        "parts": parts,
        "feedgen_seconds": sum(b["current_cpu"] for b in baselines)
        + (pages_cpu / sampled * pages if sampled else 0.0),
        "feedgen_feeds": sum(b["current"] for b in baselines) + pages,
        "feedgen_pages_sampled": sampled,
        "feedgen_pages": pages,
    }


def _run_children(mode: str, args: list[str], processes: int) -> tuple[list[Json], float]:
    """Start `processes` children, let them go together once all are ready.

    Returns their JSON and the wall seconds from the go line to the last child's exit.
    """
    with contextlib.ExitStack() as stack:
        logs = [
            stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8"))
            for _ in range(processes)
        ]
        children = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.worker", mode, *args, str(i), str(processes)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,  # a file, not a pipe: a child never blocks on its own logging
                text=True,
            )
            for i, log in enumerate(logs)
        ]
        stack.callback(_end, children)  # runs first: a failure leaves no child running
        for child, log in zip(children, logs, strict=True):
            if _line(child.stdout) != READY:
                _fail(mode, child, log)
        started = time.perf_counter()
        for child in children:
            _write(child.stdin, GO)
        results = []
        for child, log in zip(children, logs, strict=True):
            out = child.stdout.read() if child.stdout else ""
            if child.wait() != 0:
                _fail(mode, child, log)
            results.append(json.loads(out))
        return results, time.perf_counter() - started


def _end(children: list[subprocess.Popen[str]]) -> None:
    """Kill the children still running (after another one failed) and reap them."""
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            if stream:
                stream.close()


def _line(stream: IO[str] | None) -> str:
    """One line from a child's stdout, without its newline."""
    return stream.readline().strip() if stream else ""


def _write(stream: IO[str] | None, line: str) -> None:
    """One line to a child's stdin, flushed and closed."""
    if stream:
        stream.write(line + "\n")
        stream.close()


def _fail(mode: str, child: subprocess.Popen[str], log: IO[str]) -> None:
    """Stop with a failed child's exit status and the tail of its stderr."""
    if child.poll() is None:  # it said something other than READY and waits on
        child.kill()
    child.wait()
    log.seek(0)
    raise SystemExit(f"{mode} child exited {child.returncode}: {log.read()[-600:]}")


def _child(mode: str, url: str, shape: data.Shape, index: int, processes: int) -> None:
    """One child: connect, say it is ready, wait for the go line, work, print JSON."""
    site = data.site_of(shape)
    store = open_store(url, run_migrations=False)
    server = _ServerCpu(store)
    with store.read() as conn:  # connected (and warm) before the clock starts
        conn.execute(sa.select(1))
    print(READY, flush=True)
    if sys.stdin.readline().strip() != GO:
        raise SystemExit("no go line from the parent")
    if mode == "part":
        result = _rebuild(store, site, index, server)
    else:
        result = _feedgen_alone(store, site, index, processes)
    store.dispose()
    json.dump(result, sys.stdout)


def _rebuild(store: Store, site: Site, index: int, server: _ServerCpu) -> Json:
    """publish.rebuild_dirty as one of several owners; the lease queue splits the feeds."""
    before, server_before = cpu_seconds(), server.seconds()
    report = publish.rebuild_dirty(store, site, owner=f"bench-{index}", now=lambda: data.NOW)
    cpu, server_after = cpu_seconds() - before, server.seconds()
    return {
        "feeds": report.feeds,
        "documents": len(report.changed),
        "failed": report.failed,
        "cpu_seconds": cpu,
        "server_cpu_seconds": (
            None if server_before is None or server_after is None else server_after - server_before
        ),
        "peak_mb": peak_rss_mb(),
    }


class _ServerCpu:
    """CPU time of the PostgreSQL server processes this process's connections used.

    On PostgreSQL the queries run in the server, outside our own CPU time; a local server's
    /proc shows it. The total covers connections closed along the way and those still open.
    """

    def __init__(self, store: Store) -> None:
        self.pids: set[int] = set()
        self.closed = 0.0
        self.readable = not store.is_sqlite
        if self.readable:
            sa.event.listen(store.engine, "connect", self._connected)
            sa.event.listen(store.engine, "close", self._closing)

    def _connected(self, dbapi_conn: Any, _record: Any) -> None:
        self.pids.add(int(dbapi_conn.info.backend_pid))

    def _closing(self, dbapi_conn: Any, _record: Any) -> None:
        # emitted before the connection closes, while its server process still exists
        pid = int(dbapi_conn.info.backend_pid)
        if pid in self.pids:
            self.pids.discard(pid)
            self.closed += self._of(pid)

    def _of(self, pid: int) -> float:
        """utime + stime of a process from /proc/PID/stat (fields 14 and 15)."""
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            self.readable = False
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def seconds(self) -> float | None:
        """The total so far, or None (SQLite, or a server whose processes are not visible)."""
        total = self.closed + sum(self._of(pid) for pid in self.pids)
        return total if self.readable else None


def _feedgen_alone(store: Store, site: Site, index: int, processes: int) -> Json:
    """feedgen RSS (CPU time, untimed queries) on this child's share of the feeds.

    Every current document's articles are rendered. Every history page holds
    `archive_page_items` articles and there are tens of thousands at scale, so one page in
    PAGE_SAMPLE is rendered and the parent extrapolates the pages' total.
    """
    current = pages = sampled = 0
    current_cpu = pages_cpu = 0.0
    with store.read() as conn:
        for name in queue.all_feed_names(conn)[index::processes]:
            doc = docs.get(conn, f"{meta_for(site, name).key.stem}.rss")
            if doc is None or not doc.item_count:
                continue
            current_cpu += _cpu_of(membership.newest(conn, name, doc.item_count))
            current += 1
            last = queue.last_position(conn, name)
            count = history.history_pages(last, site.items, site.archive_page_items)
            if not history.has_history(meta_for(site, name).key):
                continue
            pages += count
            for n in range(PAGE_SAMPLE, count + 1, PAGE_SAMPLE):
                first, end = history.page_bounds(n, site.archive_page_items)
                members = membership.members_between(conn, name, first, end, listed=True)
                pages_cpu += _cpu_of(members)
                sampled += 1
    return {
        "current": current,
        "current_cpu": current_cpu,
        "pages": pages,
        "pages_sampled": sampled,
        "pages_cpu": pages_cpu,
    }


def _cpu_of(articles: list[Article]) -> float:
    """CPU seconds feedgen alone takes to render these articles as RSS."""
    if not articles:
        return 0.0
    started = time.process_time()
    feedgen_alone(articles)
    return time.process_time() - started


def _cli(argv: list[str]) -> None:
    """Dispatch: the parent (URL SECTIONS COUNTRIES [P]) or a child (MODE … I P)."""
    if argv[0] in ("part", "baseline"):
        mode, url, sections, countries, index, processes = argv
        shape = data.Shape(sections=int(sections), countries=int(countries))
        _child(mode, url, shape, int(index), int(processes))
        return
    processes = int(argv[3]) if len(argv) > 3 else default_processes()
    main(argv[0], int(argv[1]), int(argv[2]), processes)


if __name__ == "__main__":
    _cli(sys.argv[1:])
