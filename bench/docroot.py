"""Docroot rows: nginx with `newsfeeds nginx-config` against a minimal nginx on the same
files, and push → new bytes served by nginx against the Python server in the same run."""

from __future__ import annotations

import contextlib
import os
import secrets
import statistics
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench import data, push, serving, sets, tools
from bench.table import Result, verdict
from feeds.archive import open_store
from feeds.build import publish
from feeds.docroot.mirror import Docroot
from feeds.docroot.nginx import NginxSite, render
from feeds.site import Site

TARGET_RATIO = "≥ 0.9× the minimal nginx's req/s"
TARGET_PUSH = "median ≤ the Python path's + 10 ms"
BROTLI = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
PUSH_ARTICLES = 10_000
WRAPPER = """{modules}
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {work}/nginx-body;
  proxy_temp_path {work}/nginx-proxy;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  include {work}/server.conf;
}}
"""


def mirror(store_url: str, site: Site, root: Path) -> None:
    """Write the archive's documents into a docroot as a serving process would."""
    store = open_store(store_url)
    try:
        Docroot(
            store, site, root, is_current=lambda _: True, redirects={}, stylesheet=b"<x/>"
        ).sync()
    finally:
        store.dispose()


@contextlib.contextmanager
def generated_nginx(work: Path, root: Path, port: int, upstream: int = 9) -> Iterator[str]:
    """nginx (one worker, pinned) with the generated server block; yields its base URL."""
    work.mkdir(parents=True, exist_ok=True)
    site = NginxSite(
        root=root,
        base_url=data.BASE_URL,
        feed_cache_control="public, max-age=300",
        history_cache_control="public, max-age=21600",
        upstream=f"127.0.0.1:{upstream}",
        listen=f"127.0.0.1:{port}",
        brotli=BROTLI.exists(),
    )
    (work / "server.conf").write_text(render(site), encoding="utf-8")
    modules = f"load_module {BROTLI};" if BROTLI.exists() else ""
    conf = work / "nginx.conf"
    conf.write_text(WRAPPER.format(modules=modules, work=work), encoding="utf-8")
    for p in (work.parent, work, root, *root.rglob("*")):
        os.chmod(p, 0o755)  # workers drop to an unprivileged user
    server_core, _ = tools.cores()
    cmd = ["taskset", "-c", server_core, tools._which("nginx") or "nginx", "-c", str(conf)]
    with serving._process([*cmd, "-p", str(work)], cwd=work) as proc:
        yield serving._wait_ready(f"http://127.0.0.1:{port}", serving.PATH, proc)


def serve_rows(seconds: int, rounds: int = 2) -> list[Result]:
    """200-gzip and 304 through the generated config against the minimal one, interleaved."""
    names = ("docroot via nginx-config, 200 gzip", "docroot via nginx-config, 304")
    for tool in ("nginx", "wrk"):
        why = tools.ensure(tool)
        if why:
            return [Result.skipped(n, TARGET_RATIO, why) for n in names]
    with tempfile.TemporaryDirectory(prefix="bench-docroot-") as tmp:
        work = Path(tmp)
        store_url, doc, items = serving.build_archive(work)
        site = data.site_of(serving.SHAPE, items=items, formats=("rss",))
        root = work / "docroot"
        mirror(store_url, site, root)
        ours: list[tuple[tools.Load, tools.Load]] = []
        theirs: list[tuple[tools.Load, tools.Load]] = []
        for n in range(rounds):  # interleaved: the machine's drift hits both alike
            with generated_nginx(work / f"gen{n}", root, serving.free_port()) as base:
                ours.append(serving.measure(base, doc.body, seconds))
            with serving.nginx_server(work / f"min{n}", doc, serving.free_port()) as base:
                theirs.append(serving.measure(base, doc.body, seconds))
    return [_ratio_row(names[i], [o[i] for o in ours], [t[i] for t in theirs]) for i in (0, 1)]


def _ratio_row(name: str, ours: list[tools.Load], theirs: list[tools.Load]) -> Result:
    mine, base = statistics.mean(o.rps for o in ours), statistics.mean(t.rps for t in theirs)
    errors = sum(o.errors for o in ours)
    return Result(
        row=name,
        figure=" / ".join(f"{o.rps:,.0f}" for o in ours)
        + f" req/s (mean {mine:,.0f})"
        + (f", {errors} errors" if errors else ""),
        limit="minimal nginx "
        + " / ".join(f"{t.rps:,.0f}" for t in theirs)
        + f" req/s (mean {base:,.0f})",
        ratio=f"{mine / base:.2f}× req/s",
        target=TARGET_RATIO,
        verdict=verdict(mine / base >= 0.9 and errors == 0),
    )


def push_rows(shape: data.Shape, samples: int) -> list[Result]:
    """Push → new bytes served, read from nginx or from the Python server, alternately."""
    name = f"push → new bytes served by nginx from the docroot, {PUSH_ARTICLES:,} articles"
    why = tools.ensure("nginx")
    if why:
        return [Result.skipped(name, TARGET_PUSH, why)]
    with tempfile.TemporaryDirectory(prefix="bench-docroot-push-") as tmp:
        work = Path(tmp)
        url, seeded = sets.sqlite_copy(PUSH_ARTICLES, shape, work)
        store = open_store(url)
        publish.rebuild_dirty(store, data.site_of(shape), owner="bench", now=lambda: data.NOW)
        store.dispose()
        root = work / "docroot"
        mirror(url, data.site_of(shape), root)  # as the last run left it: the start is a stat
        port, token = serving.free_port(), secrets.token_hex(16)
        config = push.config_for(work, url, shape, port)
        with config.open("a", encoding="utf-8") as fh:
            fh.write(f'\n[publish]\ndocroot = "{root}"\n')
        env = {"NEWSFEEDS_API_TOKENS": f"bench:{token}"}
        python: list[float] = []
        nginx: list[float] = []
        with (
            serving.newsfeeds_server(config, port, env) as base,
            generated_nginx(work / "nginx", root, serving.free_port(), port) as front,
        ):
            for n in range(samples):  # alternated: both readers see the same archive
                reader = front if n % 2 else None
                served, _ = push.push_one(shape, base, token, PUSH_ARTICLES + n, reader)
                (nginx if n % 2 else python).append(served)
    mine, theirs = statistics.median(nginx), statistics.median(python)
    return [
        Result(
            row=f"{name} [{seeded}]",
            figure=f"median {mine * 1000:.0f} ms, max {max(nginx) * 1000:.0f} ms "
            f"({len(nginx)} pushes)",
            limit=f"read from the Python server: median {theirs * 1000:.0f} ms, "
            f"max {max(python) * 1000:.0f} ms ({len(python)} pushes)",
            ratio=f"{(mine - theirs) * 1000:+.0f} ms",
            target=TARGET_PUSH,
            verdict=verdict(mine <= theirs + 0.010),
        )
    ]
