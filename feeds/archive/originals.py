"""Stored articles beside their raw input, streamed for `newsfeeds reprocess`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.codec import load_article, load_raw
from feeds.archive.tables import articles
from sources.model.article import Article
from sources.model.raw import RawItem


@dataclass(frozen=True, slots=True)
class Kept:
    """An archived article beside the raw upstream item it was normalized from."""

    article: Article
    raw: RawItem
    first_seen: datetime


def iter_for_reprocess(
    conn: Connection, source_ids: Sequence[str] | None, batch: int = 500
) -> Iterator[list[Kept]]:
    """Archived articles (of these sources, or all) with their raw items, in batches by id."""
    after = ""
    while True:
        # Keyset paging: each batch is its own short query, so writes between batches
        # (reprocessing the previous one) neither block nor shift it.
        q = sa.select(articles.c.id, articles.c.data, articles.c.raw, articles.c.first_seen)
        if source_ids is not None:
            q = q.where(articles.c.source_id.in_(list(source_ids)))
        rows = conn.execute(q.where(articles.c.id > after).order_by(articles.c.id).limit(batch))
        found = [Kept(load_article(r.data), load_raw(r.raw), r.first_seen) for r in rows]
        if not found:
            return
        yield found
        after = found[-1].article.id


def withheld(conn: Connection) -> list[Kept]:
    """Articles withheld as old stories no adopted item matched (`adopt` lists them)."""
    q = sa.select(articles.c.id, articles.c.data, articles.c.raw, articles.c.first_seen)
    rows = conn.execute(q.where(articles.c.data.like('%["withheld",%')).order_by(articles.c.id))
    return [Kept(load_article(r.data), load_raw(r.raw), r.first_seen) for r in rows]


def stored_raw(conn: Connection, article_id: str) -> tuple[RawItem, datetime] | None:
    """(raw item, first seen) of an archived article: a withdrawal stores it back, marked."""
    row = conn.execute(
        sa.select(articles.c.raw, articles.c.first_seen).where(articles.c.id == article_id)
    ).first()
    return (load_raw(row.raw), row.first_seen) if row else None
