"""Archived articles and their identity keys (memberships: feeds/archive/membership.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive import membership
from feeds.archive.codec import dump_article, dump_raw, load_article
from feeds.archive.queue import mark_dirty, serialize_writers
from feeds.archive.tables import article_keys, articles, pruned
from feeds.archive.upsert import insert_ignore
from sources.model.article import Article, Status
from sources.model.raw import RawItem


@dataclass(frozen=True, slots=True)
class Stored:
    """What intake needs to know about an archived article."""

    id: str
    guid: str
    source_id: str
    raw_hash: str
    published: datetime
    updated: datetime
    first_seen: datetime
    status: Status


_STORED = (
    articles.c.id,
    articles.c.guid,
    articles.c.source_id,
    articles.c.raw_hash,
    articles.c.published,
    articles.c.updated,
    articles.c.first_seen,
    articles.c.status,
)

# Bound parameters per IN list: far below SQLite's and PostgreSQL's limits
CHUNK = 500


def find(conn: Connection, keys: Sequence[str]) -> Stored | None:
    """The archived article any of these identity keys names, trying them in order."""
    serialize_writers(conn)  # intake's first step: no other writer may insert it meanwhile
    for key in keys:
        row = conn.execute(
            sa.select(*_STORED)
            .join(article_keys, article_keys.c.article_id == articles.c.id)
            .where(article_keys.c.key == key)
        ).first()
        if row is not None:
            return Stored(*row[:7], status=Status(row.status))
    return None


@dataclass(slots=True)
class Known:
    """What the archive holds for a batch's identity keys and article ids."""

    owners: dict[str, str] = field(default_factory=dict)  # key -> article id it names
    stored: dict[str, Stored] = field(default_factory=dict)  # by id, for keys' owners
    existing: set[str] = field(default_factory=set)  # ids with an article row
    pruned: set[str] = field(default_factory=set)  # ids with a retention marker
    checked: set[str] = field(default_factory=set)  # ids whose row and marker were looked up


def lookup(conn: Connection, keys: Iterable[str]) -> Known:
    """Every recorded owner of these keys, with its article (if any) and pruned marker."""
    serialize_writers(conn)  # intake's first step: no other writer may insert them meanwhile
    known = Known()
    q = (
        sa.select(article_keys.c.key, article_keys.c.article_id, pruned.c.article_id, *_STORED)
        .select_from(article_keys)
        .outerjoin(articles, articles.c.id == article_keys.c.article_id)
        .outerjoin(pruned, pruned.c.article_id == article_keys.c.article_id)
    )
    for chunk in _chunks(keys):
        for row in conn.execute(q.where(article_keys.c.key.in_(chunk))):
            key, owner, marker = row[0], row[1], row[2]
            known.owners[key] = owner
            known.checked.add(owner)
            if marker is not None:
                known.pruned.add(owner)
            if row.id is not None:
                known.stored[owner] = Stored(*row[3:10], status=Status(row.status))
                known.existing.add(owner)
    return known


def check_ids(conn: Connection, known: Known, ids: Iterable[str]) -> None:
    """Record in `known` which of these article ids have a row or a pruned marker."""
    for chunk in _chunks(set(ids) - known.checked):
        rows = conn.execute(
            sa.union_all(
                sa.select(articles.c.id, sa.literal(False)).where(articles.c.id.in_(chunk)),
                sa.select(pruned.c.article_id, sa.literal(True)).where(
                    pruned.c.article_id.in_(chunk)
                ),
            )
        )
        for article_id, is_marker in rows:
            (known.pruned if is_marker else known.existing).add(article_id)
        known.checked.update(chunk)


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def add_key_pairs(conn: Connection, pairs: Sequence[tuple[str, str]]) -> None:
    """Record (key, article id) pairs in order at once; the first owner of a key keeps it."""
    insert_ignore(conn, article_keys, [{"key": k, "article_id": a} for k, a in pairs])


def save(
    conn: Connection,
    article: Article,
    raw: RawItem,
    *,
    feeds: set[str],
    first_seen: datetime,
    now: datetime,
) -> set[str]:
    """Insert or replace an article and its memberships; return every feed it touched."""
    touched = write(conn, article, raw, feeds=feeds, first_seen=first_seen, now=now)
    mark_dirty(conn, touched)
    return touched


def write(
    conn: Connection,
    article: Article,
    raw: RawItem,
    *,
    feeds: set[str],
    first_seen: datetime,
    now: datetime,
) -> set[str]:
    """Like `save`, but leave marking the touched feeds dirty to the caller."""
    row = _row(article, raw, first_seen)
    exists = conn.execute(sa.select(articles.c.id).where(articles.c.id == article.id)).first()
    if exists:
        conn.execute(articles.update().where(articles.c.id == article.id).values(**row))
    else:
        conn.execute(articles.insert().values(**row))
    return membership.set_memberships(conn, article, feeds, now=now)


def insert_new(conn: Connection, rows: Sequence[tuple[Article, RawItem, datetime]]) -> None:
    """Insert articles known not to exist yet, (article, raw, first seen) each, at once."""
    if rows:
        conn.execute(articles.insert(), [_row(a, raw, first_seen) for a, raw, first_seen in rows])


def _row(article: Article, raw: RawItem, first_seen: datetime) -> dict[str, object]:
    return {
        "id": article.id,
        "guid": article.guid,
        "url": article.url,
        "source_id": article.source_id,
        "section": article.section,
        "status": article.status.value,
        "published": article.published,
        "updated": article.updated,
        "first_seen": first_seen,
        "embargo_until": article.embargo_until,
        "raw_hash": article.raw_hash,
        "normalizer_version": article.normalizer_version,
        "data": dump_article(article),
        "raw": dump_raw(raw),
    }


def guid_owner(conn: Connection, guid: str) -> str | None:
    """The id of the article that holds this guid, if any."""
    row = conn.execute(sa.select(articles.c.id).where(articles.c.guid == guid)).first()
    return str(row.id) if row else None


def get(conn: Connection, article_id: str) -> Article | None:
    """One article by id."""
    row = conn.execute(sa.select(articles.c.data).where(articles.c.id == article_id)).first()
    return load_article(row.data) if row else None


def count(conn: Connection) -> int:
    """How many articles the archive holds."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(articles)).scalar() or 0)
