"""The `newsfeeds` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from feeds.archive import documents as docs
from feeds.archive import open_store, queue, source_state
from feeds.build import publish
from feeds.catalog import parse_name
from scheduler import logs
from scheduler.clock import utcnow
from scheduler.config import Config, load
from scheduler.errors import ConfigError
from scheduler.jobs import retention
from scheduler.service import Service

EXIT_CONFIG = 3  # the config is invalid
EXIT_PARTIAL = 1  # the command ran, but some work failed (a source, a feed)

console = Console(stderr=True)


def _config(ctx: click.Context) -> Config:
    try:
        return load(ctx.obj["config"])
    except ConfigError as exc:
        console.print(f"[red]{exc}[/red]", markup=True, highlight=False)
        sys.exit(EXIT_CONFIG)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    default="config.toml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Path to config.toml.",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    help="How much to log.",
)
@click.pass_context
def main(ctx: click.Context, config_path: str, log_level: str) -> None:
    """newsfeeds: ingest news sources and serve RSS, Atom and JSON Feed.

    Exit status: 0 success, 1 some work failed, 2 bad usage, 3 invalid config.
    """
    ctx.obj = {"config": config_path, "log_level": log_level}


def _service(ctx: click.Context) -> Service:
    cfg = _config(ctx)
    logs.setup(ctx.obj["log_level"], cfg.log_format)
    return Service(cfg)


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Poll sources and serve feeds until SIGINT/SIGTERM.

    A stop finishes the write in flight, closes the archive and exits 0. After a restart
    each source is polled when it was next due, not all at once.
    """
    service = _service(ctx)
    console.print(f"serving on http://{service.cfg.host}:{service.cfg.port}/")
    service.run()


@main.command()
@click.pass_context
def serve(ctx: click.Context) -> None:
    """Serve feeds from the archive without polling.

    For a process beside a separate poller, or with `newsfeeds ingest` run from cron.
    """
    _service(ctx).run(poll=False)


@main.command()
@click.argument("source_ids", nargs=-1)
@click.pass_context
def ingest(ctx: click.Context, source_ids: tuple[str, ...]) -> None:
    """Poll sources once, rebuild what changed, and exit.

    With SOURCE_IDS, only those sources. Exit status 1 when any poll failed.
    """
    service = _service(ctx)
    from scheduler.service import seed_sources

    seed_sources(service.cfg)
    specs = [s for s in service.cfg.sources if not source_ids or s.id in source_ids]
    unknown = set(source_ids) - {s.id for s in specs}
    if unknown:
        raise click.BadParameter(f"unknown source id(s): {', '.join(sorted(unknown))}")
    failed = 0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("polling", total=len(specs))
        for spec in specs:
            outcome = service.poll(spec, force=True)
            failed += outcome.outcome == "failed"
            progress.advance(task)
            console.print(
                f"{spec.id}: {outcome.outcome}, {outcome.new} new, "
                f"{outcome.edited} edited" + (f" — {outcome.error}" if outcome.error else "")
            )
    service.rebuild()
    service.store.dispose()
    sys.exit(EXIT_PARTIAL if failed else 0)


@main.command()
@click.argument("feed_names", nargs=-1)
@click.option(
    "--force",
    is_flag=True,
    help="Publish even where the publish guard refused a large unexplained drop of items.",
)
@click.pass_context
def build(ctx: click.Context, feed_names: tuple[str, ...], force: bool) -> None:
    """Regenerate feeds from the archive.

    With FEED_NAMES (e.g. latest, section/world, country/in), only those feeds.
    """
    service = _service(ctx)
    if feed_names:
        bad = [n for n in feed_names if parse_name(n) is None]
        if bad:
            raise click.BadParameter(f"not feed names: {', '.join(bad)}")
        with service.store.begin() as conn:
            queue.mark_dirty(conn, feed_names)
    else:
        publish.mark_all(service.store)
    with service.store.read() as conn:
        total = queue.pending(conn)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("rebuilding feeds", total=total)
        report = service.rebuild(force=force, on_feed=lambda _: progress.advance(task))
    console.print(f"rebuilt {report.feeds} feeds; {len(report.changed)} documents changed")
    service.store.dispose()
    if report.failed:
        console.print(f"[red]failed, kept as they were: {', '.join(report.failed)}[/red]")
        sys.exit(EXIT_PARTIAL)


@main.command()
@click.pass_context
def sources(ctx: click.Context) -> None:
    """Show each source's health as a table."""
    cfg = _config(ctx)
    store = open_store(cfg.store_url)
    with store.read() as conn:
        states = {s.source_id: s for s in source_state.load_all(conn)}
    table = Table("source", "kind", "health", "last success", "failures", "next due", "last error")
    for spec in cfg.sources:
        s = states.get(spec.id)
        health = (
            "never polled"
            if s is None
            else ("retired" if s.retired else "failing" if s.consecutive_failures else "ok")
        )
        table.add_row(
            spec.id,
            spec.kind,
            health,
            _when(s.last_success if s else None),
            str(s.consecutive_failures if s else 0),
            _when(s.next_due if s else None),
            (s.last_error or "") if s else "",
        )
    Console().print(table)


@main.command()
@click.pass_context
def feeds(ctx: click.Context) -> None:
    """List every feed URL with its item count and last update."""
    cfg = _config(ctx)
    store = open_store(cfg.store_url)
    with store.read() as conn:
        rows = docs.listing(conn)
    table = Table("url", "items", "last change (UTC)")
    for path, _feed, items, changed in rows:
        table.add_row(cfg.site.base_url + path, str(items), _when(changed))
    Console().print(table)


@main.command("check-config")
@click.pass_context
def check_config(ctx: click.Context) -> None:
    """Validate config.toml and report every problem at once."""
    cfg = _config(ctx)
    console.print(f"{cfg.path}: ok ({len(cfg.sections)} sections, {len(cfg.sources)} sources)")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.pass_context
def backup(ctx: click.Context, path: str) -> None:
    """Copy the SQLite archive to PATH, safely while it runs.

    Uses SQLite's online backup API, so the copy is consistent. For PostgreSQL use pg_dump.
    """
    import sqlite3

    from sqlalchemy.engine.url import make_url

    cfg = _config(ctx)
    url = make_url(cfg.store_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.UsageError("backup copies SQLite archives; use pg_dump for PostgreSQL")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(url.database) as src, sqlite3.connect(path) as dst:
        src.backup(dst)  # SQLite's online backup API: consistent while the service writes
    console.print(f"archive copied to {path}")


@main.command()
@click.option("--dry-run", is_flag=True, help="Only report what would be pruned.")
@click.pass_context
def prune(ctx: click.Context, dry_run: bool) -> None:
    """Apply retention now (see --dry-run).

    Takes articles older than retention.current_days out of current feeds and prunes
    those older than retention.archive_days from the archive. Pruned articles leave a
    small marker (id, guid, URL, hash), so a story polled again is not published again
    as new. The running service does this every hour.
    """
    service = _service(ctx)
    if dry_run:
        report = retention.plan(service.store, service.retention, utcnow())
        console.print(
            f"would take {report.aged_out} article memberships out of current feeds "
            f"and prune {report.pruned} articles"
        )
    else:
        report = retention.run(service.store, service.retention, utcnow(), force=True)
        if report.feeds:
            service.rebuild()
        console.print(
            f"took {report.aged_out} article memberships out of current feeds, "
            f"pruned {report.pruned} articles, {len(report.feeds)} feeds rebuilt"
        )
    service.store.dispose()


@main.command()
@click.argument("source_id")
@click.pass_context
def unretire(ctx: click.Context, source_id: str) -> None:
    """Bring a retired source (410 Gone) back into the schedule."""
    cfg = _config(ctx)
    store = open_store(cfg.store_url)
    with store.begin() as conn:
        found = source_state.unretire(conn, source_id, utcnow())
    if not found:
        raise click.BadParameter(f"no stored state for source {source_id!r}")
    console.print(f"{source_id}: back in the schedule")


def _when(value: object) -> str:
    from datetime import datetime

    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else "—"
