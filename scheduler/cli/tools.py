"""Operator commands: `reprocess` stored articles with today's rules (`try` is in trial.py)."""

from __future__ import annotations

import click

from feeds.intake import renormalize
from scheduler.cli.base import _config, archive, console, init_option, main, out
from scheduler.clock import utcnow
from scheduler.service import Service


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
