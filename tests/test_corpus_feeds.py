"""Every corpus file through the whole pipeline, served over HTTP: valid feeds out, no crash.

Each file is served from 127.0.0.1 with the Content-Type its INDEX.tsv row names (else
application/xml), then fetched, parsed, normalized and taken into its own SQLite archive,
rebuilt, and every stored document is checked: RSS and Atom well-formed (lxml) and clean
to feedparser (bozo 0), JSON Feed valid JSON. Files run in killable subprocesses, so native
code that hangs or blows up is caught and reported, and each worker's peak memory is checked.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import shutil
import threading
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnContext, SpawnProcess
from pathlib import Path
from types import MappingProxyType

import feedparser
import pytest
from lxml import etree

from feeds import intake
from feeds.archive import documents as docs
from feeds.archive import open_store
from feeds.archive.engine import Store
from feeds.build import publish
from feeds.catalog import ComboRule
from feeds.site import Site
from sources.errors import SourceError
from sources.kinds.feed import parse_feed
from sources.model.spec import FetchSettings, NormalizeSettings, SourceSpec
from sources.net.fetch import fetch
from tests.test_corpus_sweep import CORPUS, corpus_files

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
WORKERS = 2
PER_FILE_SECONDS = 30.0
MAX_RSS_KB = 1024 * 1024  # 1 GB: ru_maxrss is in kilobytes on Linux
SPEC = SourceSpec(id="corpus", kind="feed", url="http://127.0.0.1/", interval_seconds=300,
                  section="world")  # fmt: skip
RULES = intake.IntakeRules(
    normalize=NormalizeSettings(
        authority="news.example.com", section_aliases=MappingProxyType({"world": ()})
    ),
    combos=ComboRule("with-articles"),
)
SITE = Site(title="Corpus", base_url="http://127.0.0.1:8080", authority="news.example.com")
FETCH = FetchSettings(timeout_seconds=10, deadline_seconds=20, host_gap_seconds=0)


@dataclass(frozen=True)
class Outcome:
    """One file's trip through the pipeline."""

    kind: str  # "ok" | "refused" (not a feed) | "crash" | "hang" | "invalid" (bad document)
    items: int = 0
    articles: int = 0
    rejected: int = 0  # items normalization refused (no link, no title …)
    documents: int = 0
    problems: tuple[str, ...] = ()
    max_rss_kb: int = 0


@dataclass
class Task:
    """A file to run: its URL on the local server and where its archive goes."""

    path: str
    url: str
    template: str  # a migrated, empty archive to copy
    work: str  # a folder of the worker's own


def run_file(task: Task) -> Outcome:
    """Fetch, parse, take, rebuild and validate one file in a private archive."""
    db = Path(task.work) / "archive.db"
    for leftover in Path(task.work).glob("archive.db*"):
        leftover.unlink()
    shutil.copyfile(task.template, db)
    store = open_store(f"sqlite:///{db}", run_migrations=False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # as strict as the suite's filterwarnings
            got = fetch(task.url, FETCH, now=NOW)
            try:
                items, _ = parse_feed(got.body, content_type=got.content_type, source=SPEC,
                                      max_entries=500, base_url=got.final_url)  # fmt: skip
            except SourceError:
                return Outcome("refused", max_rss_kb=_rss())
            taken = intake.take(store, SPEC, items, RULES, now=NOW)
            publish.rebuild_dirty(store, SITE, owner="corpus", now=lambda: NOW)
            checked, problems = validate_all(store)
    except Exception:
        return Outcome("crash", problems=(traceback.format_exc(),), max_rss_kb=_rss())
    finally:
        store.dispose()
    kind = "invalid" if problems else "ok"
    return Outcome(
        kind, len(items), taken.new, len(taken.rejected), checked, tuple(problems), _rss()
    )


def validate_all(store: Store) -> tuple[int, list[str]]:
    """(documents checked, problems found) over every stored document."""
    problems: list[str] = []
    with store.read() as conn:
        paths = [p for p, *_ in docs.listing(conn)]
        for path in paths:
            doc = docs.get(conn, path)
            assert doc is not None
            problems += [f"{path}: {p}" for p in problems_of(path, doc.body)]
    return len(paths), problems


def problems_of(path: str, body: bytes) -> Iterator[str]:
    """Why a rendered document is not valid, if it is not."""
    if path.endswith(".json"):
        try:
            data = json.loads(body)
        except ValueError as exc:
            yield f"invalid JSON: {exc}"
            return
        if not isinstance(data.get("items"), list):
            yield "JSON Feed without an items list"
        return
    try:
        etree.fromstring(body)
    except etree.XMLSyntaxError as exc:
        yield f"not well-formed: {exc}"
    parsed = feedparser.parse(body)
    if parsed.bozo:
        yield f"feedparser bozo: {parsed.get('bozo_exception')!r}"


def _rss() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _serve_tasks(conn: Connection) -> None:
    """Worker loop: run each task received, send back its Outcome."""
    while (task := conn.recv()) is not None:
        conn.send(run_file(task))


class Worker:
    """One subprocess with its own work folder and the task it is on."""

    def __init__(self, ctx: SpawnContext, work: Path) -> None:
        self.work = work
        self.conn, child = ctx.Pipe()
        self.proc: SpawnProcess = ctx.Process(target=_serve_tasks, args=(child,), daemon=True)
        self.proc.start()
        child.close()
        self.task: Task | None = None
        self.since = 0.0

    def give(self, task: Task) -> None:
        self.task, self.since = task, time.monotonic()
        self.conn.send(task)

    def result(self, ready: list[object]) -> Outcome | None:
        """The outcome if there is one yet: its own, a hang past the bound, or a crash."""
        if self.conn in ready:
            try:
                outcome: Outcome = self.conn.recv()
                return outcome
            except EOFError:
                return Outcome("crash", problems=(f"worker died: exit {self.proc.exitcode}",))
        if time.monotonic() - self.since > PER_FILE_SECONDS:
            return Outcome("hang", problems=(f"running after {PER_FILE_SECONDS:g} s",))
        return None

    def stop(self, kill: bool = False) -> None:
        if not kill:
            self.conn.send(None)
            self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


@dataclass
class Pool:
    """WORKERS subprocesses; a worker past the bound (or dead) is killed and replaced."""

    root: Path
    ctx: SpawnContext = field(default_factory=lambda: multiprocessing.get_context("spawn"))
    made: int = 0

    def worker(self) -> Worker:
        self.made += 1
        work = self.root / f"w{self.made}"
        work.mkdir()
        return Worker(self.ctx, work)

    def run(self, tasks: list[Task]) -> dict[str, Outcome]:
        pending, results = list(reversed(tasks)), {}
        workers = [self.worker() for _ in range(WORKERS)]
        try:
            while pending or any(w.task for w in workers):
                for w in workers:
                    if w.task is None and pending:
                        task = pending.pop()
                        task.work = str(w.work)
                        w.give(task)
                ready = wait([w.conn for w in workers if w.task], timeout=0.5)
                for i, w in enumerate(workers):
                    outcome = w.result(list(ready)) if w.task else None
                    if outcome is None or w.task is None:
                        continue
                    results[w.task.path] = outcome
                    w.task = None
                    if outcome.kind == "hang" or not w.proc.is_alive():
                        w.stop(kill=True)
                        workers[i] = self.worker()
        finally:
            for w in workers:
                w.stop()
        return results


def serve_corpus(files: list[tuple[str, str | None]]) -> tuple[ThreadingHTTPServer, str]:
    """A server on 127.0.0.1 answering /<path> with the file and its Content-Type."""
    types = {"/" + path: ctype or "application/xml" for path, ctype in files}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ctype = types.get(self.path)
            if ctype is None:
                self.send_error(404)
                return
            body = (CORPUS / self.path.lstrip("/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def run_corpus(tmp_path: Path, files: list[tuple[str, str | None]]) -> dict[str, Outcome]:
    """Every file through the pipeline on the pool; outcomes by path."""
    template = tmp_path / "template.db"
    open_store(f"sqlite:///{template}").dispose()  # migrate once, copy per file
    server, base = serve_corpus(files)
    try:
        tasks = [Task(path, f"{base}/{path}", str(template), "") for path, _ in files]
        return Pool(tmp_path).run(tasks)
    finally:
        server.shutdown()
        server.server_close()


def summary(results: dict[str, Outcome]) -> str:
    counts = Counter(o.kind for o in results.values())
    total = {
        k: sum(getattr(o, k) for o in results.values()) for k in ("items", "articles", "rejected")
    }
    checked = sum(o.documents for o in results.values())
    peak = max((o.max_rss_kb for o in results.values()), default=0)
    return (
        f"{len(results)} files: {dict(counts)}; {total['items']} items parsed, "
        f"{total['articles']} articles stored, {total['rejected']} rejected, "
        f"{checked} documents validated, "
        f"peak worker RSS {peak // 1024} MB"
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/feeds/latest.rss", b"<rss version='2.0'><channel><title>x</title>&</channel></rss>"),
        ("/feeds/latest.atom", b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>"),
        ("/feeds/latest.json", b'{"version": "https://jsonfeed.org/version/1.1", "items": ['),
        ("/feeds/latest.json", b'{"version": "https://jsonfeed.org/version/1.1"}'),
    ],
)
def test_the_document_check_catches_broken_documents(path: str, body: bytes) -> None:
    assert list(problems_of(path, body))


def test_a_small_sample_runs_end_to_end(tmp_path: Path) -> None:
    # The fast guard for the slow test below: a few well-known files, same machinery.
    files = [f for f in corpus_files() if "feedparser/docs/examples/examples/" in f[0]][:6]
    results = run_corpus(tmp_path, files)
    assert {o.kind for o in results.values()} == {"ok"}, results
    stored = [o for o in results.values() if o.articles]
    assert len(stored) >= 4
    assert all(o.documents >= 6 for o in stored)  # latest and section/world, three formats


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_corpus_file_yields_valid_documents_without_crash_or_hang(tmp_path: Path) -> None:
    files = corpus_files()
    started = time.monotonic()
    results = run_corpus(tmp_path, files)
    took = time.monotonic() - started
    print(f"corpus end to end in {took:.0f} s: {summary(results)}")
    assert len(results) == len(files)
    bad = {p: o.problems for p, o in results.items() if o.kind in ("crash", "hang", "invalid")}
    assert not bad, json.dumps(bad, indent=1)[:20000]
    assert max(o.max_rss_kb for o in results.values()) < MAX_RSS_KB
    assert Counter(o.kind for o in results.values())["ok"] > len(files) // 2
    assert took < 600
