"""Adopted legacy items (`adopt`) and the keys an arriving article finds them by."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.tables import article_keys, legacy_items, legacy_keys, memberships
from feeds.archive.upsert import insert_ignore
from sources.model.utc import as_utc

# Bound parameters per IN list: a poll's probe keys in one statement (SQLite >= 3.32 takes
# 32,766, PostgreSQL 65,535), so statements per poll do not grow with its size
CHUNK = 4000


@dataclass(frozen=True, slots=True)
class Adopted:
    """One legacy item as adopted: the id its format served, its links and dates."""

    feed_url: str
    format: str
    legacy_id: str
    is_permalink: bool | None
    link: str | None
    shortlink: str | None
    published: datetime | None
    updated: datetime | None
    partner: str = ""

    @property
    def id(self) -> str:
        """The row's id: the same item of the same feed (and partner) is adopted once."""
        text = "\n".join((self.feed_url, self.format, self.legacy_id, self.partner))
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


_COLUMNS = (
    legacy_items.c.feed_url,
    legacy_items.c.format,
    legacy_items.c.legacy_id,
    legacy_items.c.is_permalink,
    legacy_items.c.link,
    legacy_items.c.shortlink,
    legacy_items.c.published,
    legacy_items.c.updated,
    legacy_items.c.partner,
)


def cutover(conn: Connection) -> datetime | None:
    """The newest legacy item's publication: stories older than it were the old system's."""
    q = sa.select(sa.func.max(legacy_items.c.published)).where(legacy_items.c.partner == "")
    found = conn.execute(q).scalar()
    return as_utc(found) if isinstance(found, datetime) else None


def known_ids(conn: Connection, ids: Iterable[str]) -> set[str]:
    """Which of these item ids are adopted already."""
    found: set[str] = set()
    for chunk in _chunks(ids):
        q = sa.select(legacy_items.c.id).where(legacy_items.c.id.in_(chunk))
        found.update(conn.execute(q).scalars())
    return found


def record(
    conn: Connection, items: Sequence[tuple[Adopted, Sequence[str]]], *, now: datetime
) -> None:
    """Store adopted items with their keys; an item adopted before keeps what it had."""
    rows = [{"id": a.id, **_values(a), "adopted_at": now} for a, _ in items]
    insert_ignore(conn, legacy_items, rows)
    pairs = {(k, a.id) for a, keys in items for k in keys}
    insert_ignore(conn, legacy_keys, [{"key": k, "item_id": i} for k, i in sorted(pairs)])


def _values(a: Adopted) -> dict[str, object]:
    return {c.name: getattr(a, c.name) for c in _COLUMNS}


def matching(conn: Connection, keys: Iterable[str]) -> dict[str, list[Adopted]]:
    """Key -> the adopted items it names (partners' too), oldest adopted first."""
    found: dict[str, list[Adopted]] = {}
    q = (
        sa.select(legacy_keys.c.key, *_COLUMNS)
        .join(legacy_items, legacy_items.c.id == legacy_keys.c.item_id)
        .order_by(legacy_items.c.adopted_at, legacy_items.c.id)
    )
    for chunk in _chunks(keys):
        for row in conn.execute(q.where(legacy_keys.c.key.in_(chunk))):
            found.setdefault(row[0], []).append(_adopted(row))
    return found


def keys_by_item(conn: Connection, item_ids: Iterable[str]) -> dict[str, list[str]]:
    """Adopted item id -> its keys, in a stable order."""
    found: dict[str, list[str]] = {}
    q = sa.select(legacy_keys.c.item_id, legacy_keys.c.key).order_by(legacy_keys.c.key)
    for chunk in _chunks(item_ids):
        for item_id, key in conn.execute(q.where(legacy_keys.c.item_id.in_(chunk))):
            found.setdefault(str(item_id), []).append(str(key))
    return found


def _adopted(row: Any) -> Adopted:
    values = row._mapping
    return Adopted(**{c.name: values[c.name] for c in _COLUMNS})


def owners(conn: Connection, keys: Iterable[str]) -> dict[str, str]:
    """Key -> the archived article it names, for the keys that name one."""
    found: dict[str, str] = {}
    q = sa.select(article_keys.c.key, article_keys.c.article_id)
    for chunk in _chunks(keys):
        found.update((r[0], r[1]) for r in conn.execute(q.where(article_keys.c.key.in_(chunk))))
    return found


def feed_overlap(conn: Connection, article_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Feed -> (how many of these articles it lists, how many it lists in all)."""
    ids = sorted(set(article_ids))
    if not ids:
        return {}
    listed = memberships.c.left_at.is_(None)
    q = (
        sa.select(memberships.c.feed, sa.func.count())
        .where(memberships.c.article_id.in_(ids), listed)
        .group_by(memberships.c.feed)
    )
    shared = {str(f): int(n) for f, n in conn.execute(q)}
    sizes = sa.select(memberships.c.feed, sa.func.count()).where(
        memberships.c.feed.in_(sorted(shared)), listed
    )
    totals = {str(f): int(n) for f, n in conn.execute(sizes.group_by(memberships.c.feed))}
    return {f: (n, totals.get(f, n)) for f, n in shared.items()}


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]
