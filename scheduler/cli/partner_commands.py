"""`preflight`: every partner feed checked against its rule pack, held items listed."""

from __future__ import annotations

import dataclasses
import json
import sys

import click
from rich.table import Table

from feeds.build import partnerfeeds
from feeds.preflight import FeedProblem, Held
from scheduler.cli.base import EXIT_PARTIAL, _config, archive, init_option, main, out
from scheduler.clock import utcnow


@main.command()
@click.argument("partner", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@init_option
@click.pass_context
def preflight(ctx: click.Context, partner: str | None, as_json: bool, init: bool) -> None:
    """Check partner feeds (all, or PARTNER's) against their rule packs.

    Lists every item held out of a partner feed with the rule it broke and why, and the
    feed-level rules a feed breaks. Exit status 1 when any item is held.
    """
    cfg = _config(ctx)
    chosen = [p for p in cfg.partners if partner is None or p.id == partner]
    if partner is not None and not chosen:
        known = ", ".join(p.id for p in cfg.partners) or "none"
        raise click.BadParameter(f"no partner {partner!r} (configured: {known})")
    store = archive(cfg, init)
    verdicts = partnerfeeds.check_all(store, cfg.site, chosen, utcnow())
    store.dispose()
    held = [h for v in verdicts for h in v.held]
    problems = [p for v in verdicts for p in v.problems]
    if as_json:
        data = {
            "held": [dataclasses.asdict(h) for h in held],
            "problems": [dataclasses.asdict(p) for p in problems],
            "served": [
                {"partner": v.partner, "feed": v.feed, "items": len(v.kept)} for v in verdicts
            ],
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _tables(held, problems)
    sys.exit(EXIT_PARTIAL if held else 0)


def _tables(held: list[Held], problems: list[FeedProblem]) -> None:
    """Two tables that fit 80 columns: long titles and reasons wrap within their cells."""
    if not held and not problems:
        out.print("every partner feed passes its rules")
        return
    if held:
        table = Table("partner", "feed", "rule", "item", "reason", title="held items")
        for h in held:
            table.add_row(h.partner, h.feed, h.rule, h.title or h.url, h.reason)
        out.print(table)
    if problems:
        table = Table("partner", "feed", "rule", "problem", title="feed rules broken")
        for p in problems:
            table.add_row(p.partner, p.feed, p.rule, p.reason)
        out.print(table)
