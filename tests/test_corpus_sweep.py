"""Every corpus file through parse_feed in killable subprocesses: no crash, no hang.

`sweep()` returns each file's outcome (its RawItems, or why it is not a feed), so later
tests can render what was kept without parsing the corpus again.
"""

from __future__ import annotations

import csv
import multiprocessing
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnProcess
from pathlib import Path

import pytest

from sources.errors import SourceError
from sources.kinds.feed import parse_feed
from sources.model.raw import RawItem
from sources.model.spec import SourceSpec

CORPUS = Path("/work/shared/corpus")
BASE = "http://127.0.0.1:8765/"  # the base the handmade feeds' self links use
SPEC = SourceSpec(id="corpus", kind="feed", url=BASE, interval_seconds=300, section="world")
PER_FILE_SECONDS = 10.0
WORKERS = 2


@dataclass(frozen=True)
class Outcome:
    """What parsing one file gave: items, a refusal (not a feed), a crash or a hang."""

    kind: str  # "items" | "refused" | "crash" | "hang"
    items: tuple[RawItem, ...] = ()
    message: str | None = None  # the refusal, crash traceback, or bozo warning


def corpus_files() -> list[tuple[str, str | None]]:
    """(relative path, Content-Type or None) for each row of INDEX.tsv."""
    with (CORPUS / "INDEX.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(row["path"], _content_type(row.get("http_headers") or "")) for row in rows]


def _content_type(header: str) -> str | None:
    """The value of a `Content-type: …` cell, else None."""
    name, _, value = header.partition(":")
    return value.strip() or None if name.strip().lower() == "content-type" else None


def parse_file(path: str, content_type: str | None) -> Outcome:
    """Parse one corpus file in this process (the worker's job; also handy on its own)."""
    body = (CORPUS / path).read_bytes()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # as strict as the test suite's filterwarnings
            items, warning = parse_feed(
                body, content_type=content_type, source=SPEC, max_entries=500, base_url=BASE
            )
    except SourceError as exc:
        return Outcome("refused", message=str(exc))
    except Exception:
        return Outcome("crash", message=traceback.format_exc())
    return Outcome("items", items=items, message=warning)


def _serve(conn: Connection) -> None:
    """Worker loop: parse each (path, content type) received, send back its Outcome."""
    while True:
        task = conn.recv()
        if task is None:
            return
        conn.send(parse_file(*task))


class _Worker:
    """One subprocess and the task it is on, so it can be killed past the bound."""

    def __init__(self, ctx: multiprocessing.context.SpawnContext) -> None:
        self.conn, child = ctx.Pipe()
        self.proc: SpawnProcess = ctx.Process(target=_serve, args=(child,), daemon=True)
        self.proc.start()
        child.close()
        self.task: tuple[str, str | None] | None = None
        self.since = 0.0

    def give(self, task: tuple[str, str | None]) -> None:
        self.task, self.since = task, time.monotonic()
        self.conn.send(task)

    def stop(self, kill: bool = False) -> None:
        if not kill:
            self.conn.send(None)
            self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def sweep(
    files: list[tuple[str, str | None]], timeout: float = PER_FILE_SECONDS
) -> dict[str, Outcome]:
    """Parse the files on WORKERS subprocesses; one running past `timeout` is killed."""
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that runs threads
    pending, results = list(reversed(files)), {}
    pool = [_Worker(ctx) for _ in range(WORKERS)]
    try:
        while pending or any(w.task for w in pool):
            for worker in pool:
                if worker.task is None and pending:
                    worker.give(pending.pop())
            busy = [w for w in pool if w.task]
            ready = wait([w.conn for w in busy], timeout=0.2)
            for index, worker in enumerate(pool):
                if worker.task is None:
                    continue
                outcome = _collect(worker, ready, timeout)
                if outcome is not None:
                    results[worker.task[0]] = outcome
                    if outcome.kind == "hang" or not worker.proc.is_alive():
                        worker.stop(kill=True)
                        pool[index] = worker = _Worker(ctx)
                    worker.task = None
    finally:
        for worker in pool:
            worker.stop()
    return results


def _collect(worker: _Worker, ready: Sequence[object], timeout: float) -> Outcome | None:
    """The worker's result if it has one, a hang past the bound, a crash if it died."""
    if worker.conn in ready:
        try:
            result: Outcome = worker.conn.recv()
            return result
        except EOFError:
            return Outcome("crash", message=f"worker died, exit code {worker.proc.exitcode}")
    if time.monotonic() - worker.since > timeout:
        return Outcome("hang", message=f"still parsing after {timeout:g} s")
    return None


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_every_corpus_file_parses_or_is_refused_without_crash_or_hang() -> None:
    files = corpus_files()
    results = sweep(files)
    counts = Counter(outcome.kind for outcome in results.values())
    items = sum(len(outcome.items) for outcome in results.values())
    print(f"corpus sweep: {dict(counts)}, {items} items from {len(files)} files")
    bad = {path: o.message for path, o in results.items() if o.kind in ("crash", "hang")}
    assert not bad, bad
    assert len(results) == len(files)
    # Most of the corpus is feeds with entries; a collapse here means parsing broke.
    assert counts["items"] > len(files) // 2
