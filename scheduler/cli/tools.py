"""Operator commands: `reprocess` stored articles with today's rules, `try` a source dry."""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime

import click
from rich.table import Column, Table

from feeds.intake import renormalize
from feeds.intake.preview import preview
from feeds.redact import redact
from scheduler.cli.base import EXIT_PARTIAL, _config, archive, console, init_option, main, out
from scheduler.clock import utcnow
from scheduler.config import Config
from scheduler.service import Service
from sources import kinds
from sources.errors import SourceError
from sources.kinds.base import CollectContext
from sources.kinds.guess import kind_of
from sources.model.article import Article
from sources.model.spec import SourceSpec
from sources.model.state import SourceState
from sources.net.fetch import fetch


@main.command()
@click.option("--dry-run", is_flag=True, help="Only show what would change; store nothing.")
@click.argument("source_ids", nargs=-1)
@init_option
@click.pass_context
def reprocess(ctx: click.Context, dry_run: bool, source_ids: tuple[str, ...], init: bool) -> None:
    """Re-normalize stored articles from their raw input.

    Uses the current normalizer and config. With SOURCE_IDS, only those sources'
    articles. Each field that changes is listed (old -> new) before anything is stored;
    ids, guids and dates stay, so readers see corrections, not new or updated stories.
    Then the affected feeds are rebuilt. --dry-run only lists.
    """
    cfg = _config(ctx)
    unknown = set(source_ids) - {s.id for s in cfg.sources}
    if unknown:
        raise click.BadParameter(f"unknown source id(s): {', '.join(sorted(unknown))}")
    store, now, rules = archive(cfg, init), utcnow(), cfg.intake
    changed = notes = 0
    feeds: set[str] = set()
    specs = {s.id: s for s in cfg.sources}
    for batch in renormalize.plan(store, specs, rules, source_ids or None, now):
        changes = [c for c in batch if isinstance(c, renormalize.Change)]
        for note in (n for n in batch if isinstance(n, str)):
            console.print(note)
            notes += 1
        for change in changes:
            out.print(_describe(change), soft_wrap=True)
        changed += len(changes)
        if changes and not dry_run:
            feeds |= renormalize.apply(store, changes, rules, now)
    verb = "would change" if dry_run else "changed"
    console.print(f"{changed} articles {verb}; {notes} left as they are")
    if feeds:
        report = Service(cfg, store=store).rebuild()
        console.print(f"{len(feeds)} feeds rebuilt; {len(report.changed)} documents changed")
    store.dispose()


def _describe(change: renormalize.Change) -> str:
    """One line per changed field: `<source> <id> <field>: old -> new`."""
    head = f"{change.article.source_id} {change.article.id}"
    lines = []
    for name in change.fields:
        old, new = getattr(change.kept.article, name), getattr(change.article, name)
        lines.append(f"{head} {name}: {_short(old)} -> {_short(new)}")
    return "\n".join(lines)


def _short(value: object, limit: int = 70) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def spec_for(cfg: Config, source: str, now: datetime) -> SourceSpec:
    """A configured source by id, or an ad-hoc one for a URL, its kind told by its body."""
    configured = next((s for s in cfg.sources if s.id == source), None)
    if configured is not None:
        return configured
    if not re.match(r"https?://", source, re.I):
        raise click.BadParameter(f"{source!r} is neither a configured source id nor an http(s) URL")
    got = fetch(source, cfg.fetch, now=now)
    return SourceSpec(
        id="try",
        kind=kind_of(got.body, got.content_type),
        url=got.final_url,
        interval_seconds=cfg.scheduler.min_interval_seconds,
        section=cfg.sections[0].slug,
    )


def trial(
    cfg: Config, spec: SourceSpec, now: datetime
) -> tuple[list[Article], list[str], str | None]:
    """Collect and normalize a source as a poll would, storing nothing anywhere."""
    with tempfile.TemporaryDirectory() as work:
        ctx = CollectContext(now=now, fetch=cfg.fetch, work_dir=work)
        collected = kinds.collect(spec, SourceState(spec.id, spec.url), ctx)
    made, rejected = preview(spec, collected.items, cfg.intake.normalize, now=now)
    return made, rejected, collected.warning


@main.command("try")
@click.argument("source")
@click.pass_context
def try_source(ctx: click.Context, source: str) -> None:
    """Show the articles a source would produce; store nothing.

    SOURCE is a source id from the config, or a URL: a feed, an article page (HTML) or a
    sitemap, told apart by what the URL serves. A URL's articles go to the first section.
    """
    cfg = _config(ctx)
    now = utcnow()
    try:
        spec = spec_for(cfg, source, now)
        made, rejected, warning = trial(cfg, spec, now)
    except SourceError as exc:
        console.print(redact(f"{source}: {exc}"), style="red")
        sys.exit(EXIT_PARTIAL)
    out.print(_table(spec, made))
    if warning:
        console.print(f"warning: {warning}")
    for reason in rejected:
        console.print(f"rejected: {reason}")
    console.print(f"{len(made)} articles, {len(rejected)} rejected ({spec.kind} source)")
    sys.exit(EXIT_PARTIAL if rejected and not made else 0)


def _table(spec: SourceSpec, made: Sequence[Article]) -> Table:
    # fold, never truncate: a URL cut short with an ellipsis cannot be checked or opened
    table = Table(
        Column("title", ratio=3),
        Column("url", overflow="fold", ratio=3),
        Column("published (UTC)", no_wrap=True),
        "section",
        "countries",
        Column("image", overflow="fold", ratio=2),
    )
    table.title = f"{spec.id} ({spec.kind}): {spec.url}"
    for a in made:
        table.add_row(
            a.title,
            a.url,
            a.published.strftime("%Y-%m-%d %H:%M"),
            a.section,
            " ".join(a.countries),
            a.image.url if a.image else "",
        )
    return table
