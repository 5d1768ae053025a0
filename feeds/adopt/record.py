"""One legacy feed's items to adopted records, stored (or only counted, for --dry-run)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from feeds.adopt.check import conflicts_of, proposed_redirect, unmatched_of
from feeds.archive import legacy
from feeds.archive.engine import Store
from sources.model.legacy import LegacyItem
from sources.normalize import canonical_url, legacy_keys, parse_date


@dataclass(frozen=True, slots=True)
class Rules:
    """What adoption needs from the command line and config."""

    id_patterns: tuple[str, ...] = ()  # every source's id_pattern
    mapping: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # --map-file
    partner: str = ""
    dry_run: bool = False


@dataclass(slots=True)
class FeedReport:
    """What adopting one legacy feed did (or, with --dry-run, would do)."""

    url: str
    format: str | None = None
    pages: int = 0
    items: int = 0
    new: int = 0
    known: int = 0
    skipped: int = 0
    unmatched: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    redirect: tuple[str, str] | None = None  # proposed `[[redirects]]` (from, to)
    error: str | None = None


def adopted_of(url: str, item: LegacyItem, rules: Rules) -> tuple[legacy.Adopted, tuple[str, ...]]:
    """The record of one legacy item and the keys an arriving article may match it by."""
    links = (item.link, item.shortlink)
    mapped = [t for ref in (item.legacy_id, *links) if ref for t in _mapped(ref, rules.mapping)]
    keys = legacy_keys(item.legacy_id, links, rules.id_patterns, mapped)
    published = parse_date(item.published, "UTC")
    record = legacy.Adopted(
        feed_url=url,
        format=item.format,
        legacy_id=item.legacy_id or item.link or "",  # RSS without guid: readers key on link
        is_permalink=item.is_permalink,
        link=item.link,
        shortlink=item.shortlink,
        published=published,
        updated=parse_date(item.updated, "UTC") or published,
        partner=rules.partner,
    )
    return record, keys


def _mapped(ref: str, mapping: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The map file's targets for a legacy guid or link, as given or in canonical form."""
    found = mapping.get(ref, ())
    try:
        return found or mapping.get(canonical_url(ref), ())
    except ValueError:
        return found


def adopt_feed(
    store: Store,
    report: FeedReport,
    items: Sequence[LegacyItem],
    rules: Rules,
    *,
    now: datetime,
) -> FeedReport:
    """Record a feed's items (unless a dry run), counting new and known, listing problems."""
    records = [adopted_of(report.url, item, rules) for item in items]
    report.items = len(records)
    with store.read() if rules.dry_run else store.begin() as conn:
        known = legacy.known_ids(conn, [r.id for r, _ in records])
        report.known = sum(1 for r, _ in records if r.id in known)
        report.new = report.items - report.known
        report.conflicts = conflicts_of(conn, records)
        report.unmatched = unmatched_of(conn, records)
        report.redirect = proposed_redirect(conn, report.url, records)
        if not rules.dry_run:
            legacy.record(conn, [r for r in records if r[0].id not in known], now=now)
    return report
