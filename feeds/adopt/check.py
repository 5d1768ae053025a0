"""What `adopt` reports about legacy items: those no archived article matches, and conflicts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from feeds.archive import archived, legacy
from sources.model.legacy import FORMAT_ID, extra_value

Record = tuple[legacy.Adopted, Sequence[str]]


def unmatched_of(conn: Connection, records: Sequence[Record]) -> list[str]:
    """The legacy ids no archived article matches (yet), in feed order."""
    owners = legacy.owners(conn, {k for _, keys in records for k in keys})
    return [r.legacy_id for r, keys in records if not any(k in owners for k in keys)]


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
            others = {o.legacy_id for o in found[key] if o.format == record.format}
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
        served = extra_value(article.extra, FORMAT_ID[record.format]) or article.guid
        if served != record.legacy_id:
            problems.append(
                f"{record.format} {record.legacy_id}: already served as {served} "
                f"(article {article.id}); a guid never changes, so that one stays"
            )
    return problems
