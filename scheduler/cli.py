"""The `newsfeeds` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import exc as sa_exc

from feeds import publish
from feeds.archive import documents as docs
from feeds.archive import open_store, queue, trouble
from feeds.archive import sources as source_rows
from feeds.archive.archive_file import ArchiveRefused
from feeds.archive.engine import Store
from feeds.catalog import parse_name
from sources.redact import redact

from . import http_server, logs, retention
from .config import Config, load
from .errors import ConfigError
from .service import Service, utcnow

EXIT_CONFIG = 3  # the config is invalid
EXIT_PARTIAL = 1  # the command ran, but some work failed (a source, a feed)
# the archive cannot be opened: refused as it is (empty, not an archive, damaged), or its
# server unreachable or not answering within store.connect_timeout_seconds
EXIT_ARCHIVE = 4

# markup off: messages carry config values and upstream text ("[[sections]]", "[/b]"),
# which rich would otherwise read as markup, eat or fail on
console = Console(stderr=True, markup=False, highlight=False, soft_wrap=True)
out = Console(markup=False, highlight=False)
_CONFIG_HELP = "Path to config.toml (before or after the command; after wins)."


def _config(ctx: click.Context) -> Config:
    try:
        return load(ctx.obj["config"])
    except ConfigError as exc:
        console.print(str(exc), style="red")
        sys.exit(EXIT_CONFIG)


def _set_config(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """`COMMAND --config PATH`: the path given after the command replaces the one before."""
    if value is not None:
        ctx.ensure_object(dict)["config"] = value


class Commands(click.Group):
    """The command group; every command also takes `--config PATH` after its name."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Register a command with its own --config option (DESIGN.md: before and after)."""
        option = click.Option(
            ["--config"],
            type=click.Path(dir_okay=False),
            expose_value=False,
            callback=_set_config,
            help=_CONFIG_HELP,
        )
        cmd.params.append(option)
        super().add_command(cmd, name)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    default="config.toml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help=_CONFIG_HELP,
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

    Exit status: 0 success, 1 some work failed, 2 bad usage, 3 invalid config,
    4 the archive cannot be opened (empty, not an archive, damaged, unreachable or not
    answering).
    """
    ctx.obj = {"config": config_path, "log_level": log_level}


def archive(cfg: Config, init: bool) -> Store:
    """Open the configured archive, or exit with the reason it cannot be opened."""
    try:
        return open_store(cfg.store_url, init=init, settings=cfg.store)
    except ArchiveRefused as exc:
        console.print(str(exc), style="red", markup=False, highlight=False, soft_wrap=True)
    except sa_exc.DBAPIError as exc:  # unreachable, or not answering in connect_timeout
        why = trouble.cannot_open(cfg.store_url, exc, cfg.store.connect_timeout_seconds)
        console.print(why, style="red", markup=False, highlight=False, soft_wrap=True)
    sys.exit(EXIT_ARCHIVE)


init_option = click.option(
    "--init",
    is_flag=True,
    help="Start a new archive where the file exists but is empty or not an archive "
    "(anything in it is kept beside the new one).",
)


def _service(ctx: click.Context, init: bool, *, serving: bool = False) -> Service:
    cfg = _config(ctx)
    logs.setup(ctx.obj["log_level"], cfg.log_format)
    if serving:  # the connection cap against this process's open-file limit, up front
        try:
            http_server.limits_of(cfg)
        except ConfigError as exc:
            console.print(str(exc), style="red")
            sys.exit(EXIT_CONFIG)
    return Service(cfg, store=archive(cfg, init))


@main.command()
@init_option
@click.pass_context
def run(ctx: click.Context, init: bool) -> None:
    """Poll sources and serve feeds until SIGINT/SIGTERM.

    A stop finishes the write in flight, closes the archive and exits 0. After a restart
    each source is polled when it was next due, not all at once.
    """
    service = _service(ctx, init, serving=True)
    console.print(f"serving on http://{service.cfg.host}:{service.cfg.port}/")
    service.run()


@main.command()
@init_option
@click.pass_context
def serve(ctx: click.Context, init: bool) -> None:
    """Serve feeds from the archive without polling.

    For a process beside a separate poller, or with `newsfeeds ingest` run from cron.
    """
    _service(ctx, init, serving=True).run(poll=False)


@main.command()
@click.argument("source_ids", nargs=-1)
@init_option
@click.pass_context
def ingest(ctx: click.Context, source_ids: tuple[str, ...], init: bool) -> None:
    """Poll sources once, rebuild what changed, and exit.

    With SOURCE_IDS, only those sources. Exit status 1 when any poll failed.
    """
    service = _service(ctx, init)
    from .service import seed_sources

    seed_sources(service.cfg)
    service.start_feeds()
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
                f"{outcome.edited} edited"
                + (f" — {redact(outcome.error)}" if outcome.error else "")
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
@init_option
@click.pass_context
def build(ctx: click.Context, feed_names: tuple[str, ...], force: bool, init: bool) -> None:
    """Regenerate feeds from the archive.

    With FEED_NAMES (e.g. latest, section/world, country/in), only those feeds.
    """
    service = _service(ctx, init)
    service.start_feeds()
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
        console.print(f"failed, kept as they were: {', '.join(report.failed)}", style="red")
        sys.exit(EXIT_PARTIAL)


@main.command()
@init_option
@click.pass_context
def sources(ctx: click.Context, init: bool) -> None:
    """Show each source's health as a table."""
    cfg = _config(ctx)
    store = archive(cfg, init)
    with store.read() as conn:
        states = {s.source_id: s for s in source_rows.load_all(conn)}
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
            redact(s.last_error or "") if s else "",
        )
    out.print(table)


@main.command()
@init_option
@click.pass_context
def feeds(ctx: click.Context, init: bool) -> None:
    """List every feed URL with its item count and last update."""
    cfg = _config(ctx)
    store = archive(cfg, init)
    with store.read() as conn:
        rows = docs.listing(conn)
    table = Table("url", "items", "last change (UTC)")
    for path, _feed, items, changed in rows:
        table.add_row(cfg.base_url + path, str(items), _when(changed))
    out.print(table)


@main.command("check-config")
@click.pass_context
def check_config(ctx: click.Context) -> None:
    """Validate config.toml and report every problem at once."""
    cfg = _config(ctx)
    console.print(f"{cfg.path}: ok ({len(cfg.sections)} sections, {len(cfg.sources)} sources)")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@init_option
@click.pass_context
def backup(ctx: click.Context, path: str, init: bool) -> None:
    """Copy the SQLite archive to PATH, safely while it runs.

    Uses SQLite's online backup API, so the copy is consistent. For PostgreSQL use pg_dump.
    """
    import sqlite3

    from sqlalchemy.engine.url import make_url

    cfg = _config(ctx)
    url = make_url(cfg.store_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.UsageError("backup copies SQLite archives; use pg_dump for PostgreSQL")
    archive(cfg, init).dispose()  # the same checks as every command: an archive, undamaged
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(url.database) as src, sqlite3.connect(path) as dst:
        src.backup(dst)  # SQLite's online backup API: consistent while the service writes
    console.print(f"archive copied to {path}")


@main.command()
@click.option("--dry-run", is_flag=True, help="Only report what would be pruned.")
@init_option
@click.pass_context
def prune(ctx: click.Context, dry_run: bool, init: bool) -> None:
    """Apply retention now (see --dry-run).

    Takes articles older than retention.current_days out of current feeds and prunes
    those older than retention.archive_days from the archive. Pruned articles leave a
    small marker (id, guid, URL, hash), so a story polled again is not published again
    as new. The running service does this every hour.
    """
    service = _service(ctx, init)
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
@init_option
@click.pass_context
def unretire(ctx: click.Context, source_id: str, init: bool) -> None:
    """Bring a retired source (410 Gone) back into the schedule."""
    cfg = _config(ctx)
    store = archive(cfg, init)
    with store.begin() as conn:
        found = source_rows.unretire(conn, source_id, utcnow())
    if not found:
        raise click.BadParameter(f"no stored state for source {source_id!r}")
    console.print(f"{source_id}: back in the schedule")


def _when(value: object) -> str:
    from datetime import datetime

    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else "—"


from . import tools  # noqa: E402,F401  (registers reprocess and try on main)
