"""Serving rows: `newsfeeds serve` and nginx on the same 100 KB document, wrk as the client."""

from __future__ import annotations

import contextlib
import gzip
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench import data, tools
from bench.table import Result, verdict
from feeds.archive import documents as docs
from feeds.archive import open_store
from feeds.build import publish

ROOT = Path(__file__).resolve().parent.parent
PATH = "/feeds/latest.rss"
SHAPE = data.Shape(sections=1, countries=1, body_bytes=4000)
TARGET_200 = "≥ 0.5× nginx req/s, p99 ≤ 2×"
TARGET_304 = "≥ 0.5× nginx req/s"


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_archive(work: Path, target_bytes: int = 100_000) -> tuple[str, docs.Document, int]:
    """A bench archive whose /feeds/latest.rss is about `target_bytes`; (url, doc, items)."""
    # A probe sizes one item; the served archive then holds just that many articles, all in
    # the current document (fewer than `items`, so no RFC 5005 page closes and nothing is
    # dropped, which the publish guard would refuse).
    probe = _built(work / "probe.db", 20)[1]
    count = max(1, round(target_bytes * probe.item_count / len(probe.body)))
    url, doc = _built(work / "serve.db", count)
    return url, doc, max(50, count)


def _built(path: Path, count: int) -> tuple[str, docs.Document]:
    """An archive of `count` seeded articles, built; (url, its latest.rss)."""
    url = f"sqlite:///{path}"
    store = open_store(url)
    data.seed(store, SHAPE, count, seed_value=100)
    site = data.site_of(SHAPE, items=max(50, count), formats=("rss",))
    publish.rebuild_dirty(store, site, owner="bench", now=lambda: data.NOW)
    with store.read() as conn:
        doc = docs.get(conn, PATH)
    store.dispose()
    if doc is None or doc.item_count != count:
        raise RuntimeError(f"{PATH}: expected {count} items, got {doc and doc.item_count}")
    return url, doc


def write_config(work: Path, store_url: str, port: int, items: int) -> Path:
    """A config.toml for `newsfeeds serve` on the bench archive."""
    path = work / "config.toml"
    path.write_text(
        f"""[site]
title = "Bench Ledger"
base_url = "{data.BASE_URL}"
authority = "{data.AUTHORITY}"

[server]
host = "127.0.0.1"
port = {port}

[store]
url = "{store_url}"

[feeds]
items = {items}
formats = ["rss"]

[[sections]]
slug = "s00"
title = "Section S00"
""",
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def newsfeeds_server(
    config: Path, port: int, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """`newsfeeds serve` pinned to the server core; yields its base URL."""
    server_core, _ = tools.cores()
    exe = Path(sys.executable).with_name("newsfeeds")
    cmd = [
        "taskset",
        "-c",
        server_core,
        str(exe),
        "--config",
        str(config),
        "--log-level",
        "warning",
        "serve",
    ]
    # PYTHONPATH=checkout: the editable install alone resolves `feeds` as a namespace package
    # and importlib.resources then cannot open feeds/static (reported, not ours to fix)
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(extra_env or {})}
    with _process(cmd, cwd=ROOT, env=env) as proc:
        yield _wait_ready(f"http://127.0.0.1:{port}", "/healthz", proc)


@contextlib.contextmanager
def nginx_server(work: Path, doc: docs.Document, port: int) -> Iterator[str]:
    """nginx (one worker, gzip_static, etag) serving the same bytes; yields its base URL."""
    root = work / "www" / "feeds"
    root.mkdir(parents=True, exist_ok=True)
    (root / "latest.rss").write_bytes(doc.body)
    (root / "latest.rss.gz").write_bytes(doc.gzip)
    for p in (work, work / "www", root, root / "latest.rss", root / "latest.rss.gz"):
        os.chmod(p, 0o755)  # workers drop to an unprivileged user
    conf = work / "nginx.conf"
    conf.write_text(
        f"""worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {work}/nginx-body;
  types {{ application/rss+xml rss; }}
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  server {{
    listen 127.0.0.1:{port};
    root {work}/www;
    gzip_static on;
    etag on;
  }}
}}
""",
        encoding="utf-8",
    )
    server_core, _ = tools.cores()
    nginx = tools._which("nginx") or "nginx"
    cmd = ["taskset", "-c", server_core, nginx, "-c", str(conf), "-p", str(work)]
    with _process(cmd, cwd=work) as proc:
        yield _wait_ready(f"http://127.0.0.1:{port}", PATH, proc)


@contextlib.contextmanager
def _process(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(base: str, path: str, proc: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            last = err.strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"server exited ({proc.returncode}): {last[0]}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(base + path, timeout=2).read()
            return base
        time.sleep(0.2)
    raise RuntimeError(f"{base} not ready within 30 s")


def gzip_etag(url: str, expected: bytes) -> str:
    """The ETag of the gzip variant; also checks the bytes really are the same document."""
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        body = resp.read()
        if resp.headers.get("Content-Encoding") != "gzip":
            raise RuntimeError(f"{url}: no gzip variant served")
        if gzip.decompress(body) != expected:
            raise RuntimeError(f"{url}: served bytes differ from the document")
        return str(resp.headers["ETag"])


def measure(base: str, body: bytes, seconds: int) -> tuple[tools.Load, tools.Load]:
    """(200 gzip load, 304 load) against one server."""
    url = base + PATH
    etag = gzip_etag(url, body)
    full = tools.wrk(url, {"Accept-Encoding": "gzip"}, seconds=seconds)
    cond = tools.wrk(url, {"Accept-Encoding": "gzip", "If-None-Match": etag}, seconds=seconds)
    return full, cond


def run(seconds: int) -> list[Result]:
    """Both serving rows."""
    rows = ("serving a 100 KB feed, 200, gzip", "serving, 304 on If-None-Match")
    for tool in ("nginx", "wrk"):
        why = tools.ensure(tool)
        if why:
            return [
                Result.skipped(rows[0], TARGET_200, why),
                Result.skipped(rows[1], TARGET_304, why),
            ]
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        work = Path(tmp)
        store_url, doc, items = build_archive(work)
        port = free_port()
        config = write_config(work, store_url, port, items)
        with newsfeeds_server(config, port) as base:
            ours = measure(base, doc.body, seconds)
        with nginx_server(work, doc, free_port()) as base:
            theirs = measure(base, doc.body, seconds)
    size = f"{len(doc.body) // 1000} KB ({len(doc.gzip) // 1000} KB gzip)"
    return [
        _row(rows[0] + f" [{size}]", ours[0], theirs[0], with_p99=True),
        _row(rows[1], ours[1], theirs[1], with_p99=False),
    ]


def _row(name: str, ours: tools.Load, nginx: tools.Load, *, with_p99: bool) -> Result:
    ratio = ours.rps / nginx.rps
    p99 = ours.p99_ms / nginx.p99_ms if nginx.p99_ms else float("inf")
    ok = ratio >= 0.5 and (p99 <= 2.0 or not with_p99) and ours.errors == 0
    errors = f", {ours.errors} errors" if ours.errors else ""
    return Result(
        row=name,
        figure=f"{ours.rps:,.0f} req/s, p99 {ours.p99_ms:.2f} ms{errors}",
        limit=f"nginx {nginx.rps:,.0f} req/s, p99 {nginx.p99_ms:.2f} ms",
        ratio=f"{ratio:.2f}× req/s" + (f", p99 {p99:.2f}×" if with_p99 else ""),
        target=TARGET_200 if with_p99 else TARGET_304,
        verdict=verdict(ok),
    )
