"""`nginx-config`: the nginx server block that serves `[publish] docroot` as Python would."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from feeds.archive import documents as docs
from feeds.docroot.nginx import NginxSite, render
from feeds.http.paths import redirect_target
from scheduler.cli.base import EXIT_CONFIG, _config, archive, console, init_option, main
from scheduler.config import Config

# where Debian's libnginx-mod-http-brotli-static puts the module
BROTLI_MODULES = (
    Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"),
    Path("/usr/share/nginx/modules/ngx_http_brotli_static_module.so"),
)


@main.command("nginx-config")
@click.option("--listen", default="80", show_default=True, help="nginx `listen` value.")
@click.option("--server-name", default=None, help="nginx `server_name` [host of site.base_url].")
@click.option("--upstream", default=None, help="The Python process [server.host:server.port].")
@click.option(
    "--brotli",
    type=click.Choice(["auto", "on", "off"]),
    default="auto",
    show_default=True,
    help="brotli_static (auto: on when the nginx brotli module is installed).",
)
@init_option
@click.pass_context
def nginx_config(
    ctx: click.Context,
    listen: str,
    server_name: str | None,
    upstream: str | None,
    brotli: str,
    init: bool,
) -> None:
    """Print an nginx server block serving `[publish] docroot` with the Python server's
    headers, and proxying /api/, /status, /metrics and /healthz to the Python process."""
    cfg = _config(ctx)
    if cfg.docroot is None:
        console.print("publish.docroot: not set; nginx-config needs the folder nginx serves")
        sys.exit(EXIT_CONFIG)
    site = NginxSite(
        root=cfg.docroot,
        base_url=cfg.site.base_url,
        feed_cache_control=cfg.serve.cache_control(cfg.serve.cache_max_age),
        history_cache_control=cfg.serve.cache_control(cfg.serve.history_max_age),
        upstream=upstream or f"{cfg.host}:{cfg.port}",
        listen=listen,
        server_name=server_name or urlsplit(cfg.site.base_url).hostname or "_",
        brotli=brotli == "on" or (brotli == "auto" and any(p.exists() for p in BROTLI_MODULES)),
        hubs=cfg.site.hubs,
        redirects=dict(cfg.serve.redirects),
        retired=retired_paths(cfg, init),
    )
    click.echo(render(site), nl=False)


def retired_paths(cfg: Config, init: bool) -> list[str]:
    """Stored documents the Python server answers 410 for: their feed is no longer configured."""
    store = archive(cfg, init)
    try:
        with store.read() as conn:
            rows = docs.listing(conn)
    finally:
        store.dispose()
    redirects = cfg.serve.redirects
    return [
        path
        for path, feed, _items, _changed in rows
        if not cfg.is_current(feed) and redirect_target(redirects, path) is None
    ]
