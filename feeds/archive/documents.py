"""Rendered documents: bytes, precompressed variants, ETag and change time."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.queue import bump
from feeds.archive.tables import documents
from feeds.archive.upsert import upsert_many


@dataclass(frozen=True, slots=True)
class Document:
    """One served document and everything needed to answer a GET for it."""

    path: str
    feed: str
    media_type: str
    body: bytes
    gzip: bytes
    br: bytes | None
    etag: str
    changed_at: datetime
    item_count: int
    generation: int = 0


def get(conn: Connection, path: str) -> Document | None:
    """The stored document at a path."""
    row = conn.execute(sa.select(documents).where(documents.c.path == path)).first()
    return Document(**row._mapping) if row else None


def etag_of(conn: Connection, path: str) -> tuple[str, int] | None:
    """(etag, items) of a stored document, without loading its bytes."""
    row = conn.execute(
        sa.select(documents.c.etag, documents.c.item_count).where(documents.c.path == path)
    ).first()
    return (row.etag, row.item_count) if row else None


# built once: every rebuild runs it for every batch of documents
_ETAGS = sa.select(documents.c.path, documents.c.etag).where(
    documents.c.path.in_(sa.bindparam("paths", expanding=True))
)
_VERSIONS = sa.select(documents.c.path, documents.c.etag, documents.c.changed_at).where(
    documents.c.path.in_(sa.bindparam("paths", expanding=True))
)


def etags_of(conn: Connection, paths: Sequence[str]) -> dict[str, str]:
    """path -> ETag of those of these paths that are stored, in one query."""
    if not paths:
        return {}
    return {r.path: r.etag for r in conn.execute(_ETAGS, {"paths": list(paths)})}


def change_time(now: datetime, previous: datetime | None) -> datetime:
    """A new version's change time: whole seconds, and strictly after the previous one.

    nginx's ETag is hex(mtime seconds)-hex(size) and Last-Modified has one-second
    resolution, so a second change within one second is dated a second later: no change
    can hide behind a 304, and every process mirroring the archive gives the same mtime.
    """
    whole = now.replace(microsecond=0)
    if previous is None:
        return whole
    return max(whole, previous.replace(microsecond=0) + timedelta(seconds=1))


def versions_of(conn: Connection, paths: Sequence[str]) -> dict[str, tuple[str, datetime]]:
    """path -> (ETag, change time) of those of these paths that are stored."""
    if not paths:
        return {}
    rows = conn.execute(_VERSIONS, {"paths": list(paths)})
    return {r.path: (r.etag, r.changed_at) for r in rows}


def put(conn: Connection, doc: Document) -> int:
    """Store (replace) a document in the caller's transaction; return its generation."""
    return put_many(conn, [doc])


def put_many(
    conn: Connection,
    batch: Sequence[Document],
    known: Mapping[str, tuple[str, datetime]] | None = None,
) -> int:
    """Store (replace) documents, generations in order, in one statement; return the last.

    Every writer's documents get their change time here (change_time): whole seconds,
    after the stored version's. `known`: the stored versions, when the caller read them.
    """
    if not batch:
        return 0
    if known is None:
        known = versions_of(conn, [d.path for d in batch])
    batch = [_dated(doc, known.get(doc.path)) for doc in batch]
    last = bump(conn, "documents", len(batch))
    first = last - len(batch) + 1
    rows = [_as_row(doc) | {"generation": first + i} for i, doc in enumerate(batch)]
    upsert_many(conn, documents, rows, ["path"])
    return last


def _dated(doc: Document, known: tuple[str, datetime] | None) -> Document:
    when = change_time(doc.changed_at, known[1] if known else None)
    return doc if when == doc.changed_at else dataclasses.replace(doc, changed_at=when)


def _as_row(doc: Document) -> dict[str, object]:
    return {f: getattr(doc, f) for f in Document.__dataclass_fields__}


def changed_since(conn: Connection, generation: int) -> list[tuple[str, int]]:
    """(path, generation) of documents written after a generation: other writers' work."""
    q = (
        sa.select(documents.c.path, documents.c.generation)
        .where(documents.c.generation > generation)
        .order_by(documents.c.generation)
    )
    return [(r.path, r.generation) for r in conn.execute(q)]


def stamps_since(conn: Connection, generation: int) -> list[tuple[str, str, int, datetime]]:
    """(path, feed, generation, change time) of documents written after a generation."""
    q = (
        sa.select(
            documents.c.path, documents.c.feed, documents.c.generation, documents.c.changed_at
        )
        .where(documents.c.generation > generation)
        .order_by(documents.c.generation)
    )
    return [(r.path, r.feed, r.generation, r.changed_at) for r in conn.execute(q)]


def latest_generation(conn: Connection) -> int:
    """The newest document generation (a cheap freshness check)."""
    value = conn.execute(sa.select(sa.func.max(documents.c.generation))).scalar()
    return int(value or 0)


def listing(conn: Connection) -> list[tuple[str, str, int, datetime]]:
    """(path, feed, items, changed_at) of every document, for the index and `feeds`."""
    q = sa.select(
        documents.c.path, documents.c.feed, documents.c.item_count, documents.c.changed_at
    ).order_by(documents.c.path)
    return [(r.path, r.feed, r.item_count, r.changed_at) for r in conn.execute(q)]


_PAGE = re.compile(r"/archive/([1-9][0-9]*)\.[a-z]+$")


def stored_pages(conn: Connection, feed: str, stem: str) -> dict[int, tuple[int, int]]:
    """page -> (formats stored, fewest items in any of them) of a feed's stored pages."""
    q = sa.select(documents.c.path, documents.c.item_count).where(
        documents.c.feed == feed, documents.c.path.like(f"{stem}/archive/%")
    )
    out: dict[int, tuple[int, int]] = {}
    for path, items in conn.execute(q):
        m = _PAGE.search(path)
        if m is None:
            continue
        n = int(m.group(1))
        formats, fewest = out.get(n, (0, items))
        out[n] = (formats + 1, min(fewest, items))
    return out


def paths_of(conn: Connection, feed: str) -> dict[str, datetime]:
    """path -> change time of every stored document of one feed (no bytes read)."""
    q = sa.select(documents.c.path, documents.c.changed_at).where(documents.c.feed == feed)
    return {r.path: r.changed_at for r in conn.execute(q)}


def delete_paths(conn: Connection, paths: Sequence[str]) -> None:
    """Remove documents for good (a cached copy elsewhere may answer until it is evicted)."""
    if paths:
        conn.execute(documents.delete().where(documents.c.path.in_(sorted(paths))))
