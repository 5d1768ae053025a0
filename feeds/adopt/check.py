"""What `adopt` reports about legacy items: those no archived article matches, and conflicts."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy.engine import Connection

from feeds.archive import archived, legacy
from sources.model.legacy import FORMAT_ID, extra_value, partner_extra

Record = tuple[legacy.Adopted, Sequence[str]]


def unmatched_of(conn: Connection, records: Sequence[Record]) -> list[str]:
    """The legacy ids no archived article matches (yet), in feed order."""
    owners = legacy.owners(conn, {k for _, keys in records for k in keys})
    return [r.legacy_id for r, keys in records if not any(k in owners for k in keys)]


def proposed_redirect(
    conn: Connection, url: str, records: Sequence[Record]
) -> tuple[str, str] | None:
    """(old path, feed document) for a `[[redirects]]` entry: the feed sharing most items.

    Overlap by Jaccard index, so `latest` does not win over the one section the old feed
    was just because it holds everything; ties go to the shorter name.
    """
    owners = legacy.owners(conn, {k for _, keys in records for k in keys})
    overlap = legacy.feed_overlap(conn, owners.values())
    if not overlap or not records:
        return None
    size = len(records)

    def score(item: tuple[str, tuple[int, int]]) -> tuple[float, int, str]:
        name, (shared, total) = item
        return (-shared / (size + total - shared), len(name), name)

    best = min(overlap.items(), key=score)[0]
    extension = {"rss": "rss", "atom": "atom", "json": "json"}[records[0][0].format]
    return urlsplit(url).path or "/", f"/feeds/{best}.{extension}"


def conflicts_of(conn: Connection, records: Sequence[Record]) -> list[str]:
    """Items whose keys another id of the same format holds, and stories published already."""
    every = {k for _, keys in records for k in keys}
    found = legacy.matching(conn, every)
    for record, keys in records:  # this run's items, as if stored after the stored ones
        for key in keys:
            found.setdefault(key, []).append(record)
    problems: list[str] = []
    for record, keys in records:
        for key in keys:
            others = {
                o.legacy_id
                for o in found[key]
                if o.format == record.format and o.partner == record.partner
            }
            others.discard(record.legacy_id)
            if others:
                problems.append(
                    f"{record.format} {record.legacy_id}: {key} also names "
                    + ", ".join(sorted(others))
                )
                break
    return problems + _published(conn, records)


def _published(conn: Connection, records: Sequence[Record]) -> list[str]:
    """Items matching an article already served under another id: that id stays."""
    owners = legacy.owners(conn, {k for _, keys in records for k in keys})
    problems = []
    for record, keys in records:
        article_id = next((owners[k] for k in keys if k in owners), None)
        article = archived.get(conn, article_id) if article_id else None
        if article is None:
            continue
        name = FORMAT_ID[record.format]
        own = partner_extra(record.partner, name) if record.partner else name
        served = extra_value(article.extra, own) or extra_value(article.extra, name)
        served = served or article.guid
        if served != record.legacy_id:
            problems.append(
                f"{record.format} {record.legacy_id}: already served as {served} "
                f"(article {article.id}); a guid never changes, so that one stays"
            )
    return problems
