"""Commands that read or care for the archive: sources, feeds, check-config, backup, unretire."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from feeds.archive import documents as docs
from feeds.archive import source_state
from feeds.http.pages import status_rows
from feeds.redact import redact
from scheduler.cli.base import _config, _when, archive, console, init_option, main, out
from scheduler.clock import utcnow

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON, not a table.")


@main.command()
@JSON_OPTION
@init_option
@click.pass_context
def sources(ctx: click.Context, as_json: bool, init: bool) -> None:
    """Show each source's health as a table."""
    cfg = _config(ctx)
    store = archive(cfg, init)
    with store.read() as conn:
        states = source_state.by_id(conn)
    if as_json:
        configured = [(s.id, s.kind, s.url) for s in cfg.sources]
        click.echo(json.dumps(status_rows(store, configured), indent=2))
        return
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
@JSON_OPTION
@init_option
@click.pass_context
def feeds(ctx: click.Context, as_json: bool, init: bool) -> None:
    """List every feed URL with its item count and last update."""
    cfg = _config(ctx)
    store = archive(cfg, init)
    with store.read() as conn:
        rows = docs.listing(conn)
    if as_json:
        listed = [
            {
                "url": cfg.site.base_url + path,
                "feed": feed,
                "items": items,
                "changed": changed.isoformat(),
            }
            for path, feed, items, changed in rows
        ]
        click.echo(json.dumps(listed, indent=2))
        return
    table = Table("url", "items", "last change (UTC)")
    for path, _feed, items, changed in rows:
        table.add_row(cfg.site.base_url + path, str(items), _when(changed))
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
@click.argument("source_id")
@init_option
@click.pass_context
def unretire(ctx: click.Context, source_id: str, init: bool) -> None:
    """Bring a retired source (410 Gone) back into the schedule."""
    cfg = _config(ctx)
    store = archive(cfg, init)
    with store.begin() as conn:
        found = source_state.unretire(conn, source_id, utcnow())
    if not found:
        raise click.BadParameter(f"no stored state for source {source_id!r}")
    console.print(f"{source_id}: back in the schedule")
