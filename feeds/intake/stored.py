"""What intake keeps of an article it took before: as the archive reads it back, and edits."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from feeds.archive import archived
from sources.model.article import Article
from sources.model.utc import as_utc


def as_stored(article: Article, first_seen: datetime) -> archived.Stored:
    """What `archived.find` would read back for a row just written (times as UTC)."""
    return archived.Stored(
        id=article.id,
        guid=article.guid,
        source_id=article.source_id,
        raw_hash=article.raw_hash,
        published=as_utc(article.published),
        updated=as_utc(article.updated),
        first_seen=as_utc(first_seen),
        status=article.status,
    )


def as_edit(
    article: Article, stored: archived.Stored, extra: tuple[tuple[str, str], ...], now: datetime
) -> Article:
    """Keep identity (legacy ids too) and first publication; a real edit moves `updated`."""
    updated = article.updated if article.updated > stored.updated else max(now, stored.updated)
    return dataclasses.replace(
        article,
        id=stored.id,
        guid=stored.guid,
        extra=extra,
        published=stored.published,
        updated=max(updated, stored.published),
    )
