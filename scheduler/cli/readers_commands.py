"""`newsfeeds readers`: who reads each feed, from the archive's counts."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.table import Table

from feeds.readers.page import cell
from feeds.readers.recognize import Recognizer
from feeds.readers.report import build, parse_since
from scheduler.cli.base import _config, archive, console, init_option, main, out
from scheduler.clock import utcnow


@main.command()
@click.option("--feed", "feed", default=None, help="Only this feed (latest, section/world, …).")
@click.option("--since", "since", default="24h", show_default=True, help="Window: 90m, 24h, 7d.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@init_option
@click.pass_context
def readers(ctx: click.Context, feed: str | None, since: str, as_json: bool, init: bool) -> None:
    """Subscribers, polls per hour, 304 share, bytes and median pickup per feed and family."""
    cfg = _config(ctx)
    try:
        span = parse_since(since)
    except ValueError as exc:  # bad usage: exit 2, as click gives for any bad option
        raise click.BadParameter(str(exc), param_hint="--since") from exc
    store = archive(cfg, init)
    kinds = {r.family: r.kind for r in Recognizer().rules}
    found = build(store, kinds, now=utcnow(), span=span, feed=feed)
    if as_json:
        click.echo(json.dumps({"enabled": cfg.analytics.enabled, **found}, indent=2))
        return
    if not cfg.analytics.enabled:
        console.print("analytics are off ([analytics] enabled = false)")
    out.print(_table(found))


def _table(found: dict[str, Any]) -> Table:
    table = Table(
        "feed", "family", "kind", "subscribers", "polls/h", "304", "bytes", "median pickup",
        title=f"{found['since']} to {found['until']}",
    )  # fmt: skip
    for f in found["feeds"]:
        for fam in f["families"]:
            pickup = fam["median_pickup_seconds"]
            table.add_row(
                f["feed"],
                fam["family"],
                fam["kind"],
                str(fam["subscribers"]),
                str(fam["polls_per_hour"]),
                cell("not_modified_share", fam["not_modified_share"]),
                str(fam["bytes"]),
                "—" if pickup is None else f"{pickup:.0f} s",
            )
    return table
