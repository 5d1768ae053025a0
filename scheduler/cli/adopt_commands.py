"""`adopt`: read a publisher's existing feeds and record every item's id, per format."""

from __future__ import annotations

import contextlib
import csv
import sys
from collections.abc import Mapping
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from feeds.adopt.record import FeedReport, Rules, adopt_feed
from feeds.archive import open_store
from feeds.archive.engine import Store
from feeds.intake import withheld
from scheduler.cli.base import EXIT_PARTIAL, _config, archive, console, init_option, main, out
from scheduler.clock import utcnow
from scheduler.config import Config
from scheduler.service import Service
from sources.errors import SourceError
from sources.legacy.crawl import read_feed
from sources.normalize import canonical_url

_SHOWN = 20  # unmatched items listed by id before the rest are only counted


@main.command()
@click.argument("urls", nargs=-1, required=True)
@click.option(
    "--pages",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Documents to read per feed: the feed, then older pages it links to "
    "(RFC 5005 prev-archive, next) or WordPress ?paged=N.",
)
@click.option(
    "--map-file",
    type=click.Path(dir_okay=False, exists=True),
    help="CSV of legacy guid or link, new canonical URL or CMS id.",
)
@click.option("--partner", default="", help="Adopt an old partner feed's ids for that partner.")
@click.option(
    "--include-unmatched",
    is_flag=True,
    help="Let old stories no adopted item matched into the feeds (they would show as new).",
)
@click.option("--dry-run", is_flag=True, help="Read and report; store nothing.")
@init_option
@click.pass_context
def adopt(
    ctx: click.Context,
    urls: tuple[str, ...],
    pages: int,
    map_file: str | None,
    partner: str,
    include_unmatched: bool,
    dry_run: bool,
    init: bool,
) -> None:
    """Record the ids of a publisher's current feeds, so switching re-issues none.

    Run it before the first ingest, and again (by hand or on a schedule) until the old
    feeds stop: it is idempotent. Exit status 1 when a feed could not be read.
    """
    cfg = _config(ctx)
    rules = Rules(
        id_patterns=tuple(sorted({s.id_pattern for s in cfg.sources if s.id_pattern})),
        mapping=read_map(Path(map_file)) if map_file else {},
        partner=partner,
        dry_run=dry_run,
    )
    store = _dry_archive(cfg) if dry_run and _missing(cfg) else archive(cfg, init)
    reports = [_adopt_one(store, cfg, url, pages, rules) for url in urls]
    for report in reports:
        _print(report, dry_run)
    _print_redirects(reports)
    _unmatched(cfg, store, release=include_unmatched and not dry_run)
    store.dispose()
    if any(r.error for r in reports):
        sys.exit(EXIT_PARTIAL)


def _missing(cfg: Config) -> bool:
    """Is the archive a SQLite file that does not exist yet (a dry run must not create it)?"""
    url = make_url(cfg.store_url)
    name = url.database if url.get_backend_name() == "sqlite" else None
    return bool(name) and name != ":memory:" and not Path(str(name)).exists()


def _dry_archive(cfg: Config) -> Store:
    """An empty archive in memory, for a dry run before the real one exists."""
    console.print(f"{cfg.store_url}: no archive yet; the dry run compares with an empty one")
    return open_store("sqlite://")


def _adopt_one(store: Store, cfg: Config, url: str, pages: int, rules: Rules) -> FeedReport:
    """Read one legacy feed whole, then record it; a feed that fails adopts nothing."""
    now = utcnow()
    try:
        feed = read_feed(url, cfg.fetch, pages=pages, now=now)
    except SourceError as exc:
        return FeedReport(url, error=str(exc))
    report = FeedReport(url, format=feed.format, pages=feed.pages, skipped=feed.skipped)
    return adopt_feed(store, report, feed.items, rules, now=now)


def read_map(path: Path) -> Mapping[str, tuple[str, ...]]:
    """--map-file: `legacy guid or link, new URL or CMS id` per row; a bad row is named."""
    found: dict[str, list[str]] = {}
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            for n, row in enumerate(csv.reader(handle), 1):
                if not row or row[0].startswith("#"):
                    continue
                if len(row) != 2 or not row[0].strip() or not row[1].strip():
                    raise click.BadParameter(
                        f"{path} line {n}: want `legacy guid or link,new URL or CMS id`, "
                        f"got {row!r}",
                        param_hint="--map-file",
                    )
                legacy, target = row[0].strip(), row[1].strip()
                found.setdefault(legacy, []).append(target)
                with contextlib.suppress(ValueError):  # not a URL: kept as given only
                    found.setdefault(canonical_url(legacy), []).append(target)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--map-file") from exc
    return {k: tuple(dict.fromkeys(v)) for k, v in found.items()}


def _unmatched(cfg: Config, store: Store, *, release: bool) -> None:
    """List the old stories withheld for matching no adopted item, or release them."""
    if release:
        count, feeds = withheld.release(store, cfg.intake, now=utcnow())
        out.print(f"{count} withheld articles let into their feeds")
        if feeds:
            report = Service(cfg, store=store).rebuild()
            out.print(f"{len(feeds)} feeds rebuilt; {len(report.changed)} documents changed")
        return
    held = withheld.listed(store)
    if held:
        out.print(
            f"{len(held)} articles withheld: published before the cut-over, matching no "
            "adopted item (--include-unmatched lets them in, where readers see them as new)"
        )
    for article in held[:_SHOWN]:
        out.print(f"  withheld: {article.url}")


def _print_redirects(reports: list[FeedReport]) -> None:
    """The `[[redirects]]` to paste: each old feed path to the feed with the same items."""
    proposed = [r.redirect for r in reports if r.redirect]
    if not proposed:
        return
    out.print("\n# proposed for config.toml (by overlap of items); add serve = true to serve")
    out.print("# the feed at the old path itself, for readers that follow no redirect")
    for old, new in proposed:
        out.print(f'[[redirects]]\nfrom = "{old}"\nto = "{new}"\n')


def _print(report: FeedReport, dry_run: bool) -> None:
    """One feed's counts, then its conflicts and the items nothing matches yet."""
    if report.error:
        console.print(f"{report.url}: not adopted: {report.error}", style="red")
        return
    verb = "would adopt" if dry_run else "adopted"
    out.print(
        f"{report.url}: {report.format}, {report.pages} pages, {report.items} items: "
        f"{verb} {report.new}, {report.known} already adopted, {report.skipped} without id "
        f"or link; {len(report.unmatched)} not matched to an article yet, "
        f"{len(report.conflicts)} conflicts"
    )
    for line in report.conflicts:
        out.print(f"  conflict: {line}")
    for legacy_id in report.unmatched[:_SHOWN]:
        out.print(f"  not matched yet: {legacy_id}")
    if len(report.unmatched) > _SHOWN:
        out.print(f"  … and {len(report.unmatched) - _SHOWN} more not matched yet")
