"""Take raw items into the archive: identity, edit detection, idempotent upsert."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Connection

from feeds.archive import articles as archived
from feeds.archive import retention
from feeds.archive.engine import Store
from feeds.catalog import ComboRule, keys_for
from sources.article import Article
from sources.errors import SourceError
from sources.normalize import identity_keys, normalize
from sources.raw import RawItem
from sources.spec import NormalizeSettings, SourceSpec

log = logging.getLogger(__name__)


@dataclass(slots=True)
class IntakeResult:
    """What one batch did to the archive."""

    new: int = 0
    edited: int = 0
    unchanged: int = 0
    rejected: list[str] = field(default_factory=list)
    feeds: set[str] = field(default_factory=set)
    article_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IntakeRules:
    """The plain values intake needs from config."""

    normalize: NormalizeSettings
    combos: ComboRule
    unpublished_sources: frozenset[str] = frozenset()  # rights = "exclude": archived only


def take(
    store: Store,
    source: SourceSpec,
    items: Sequence[RawItem],
    rules: IntakeRules,
    *,
    now: datetime,
    durable: bool = False,
) -> IntakeResult:
    """Store a batch of raw items from one source in one transaction."""
    with store.begin(durable=durable) as conn:
        return take_all(conn, source, items, rules, now=now)


def take_all(
    conn: Connection,
    source: SourceSpec,
    items: Sequence[RawItem],
    rules: IntakeRules,
    *,
    now: datetime,
) -> IntakeResult:
    """Store a batch of raw items in the caller's transaction."""
    result = IntakeResult()
    for raw in items:
        take_one(conn, source, raw, rules, now=now, result=result)
    return result


def take_one(
    conn: Connection,
    source: SourceSpec,
    raw: RawItem,
    rules: IntakeRules,
    *,
    now: datetime,
    result: IntakeResult,
) -> None:
    """Match one raw item to the archive and store it if it is new or really edited."""
    keys = identity_keys(raw, source)
    if not keys:
        result.rejected.append(f"{raw.title or '(untitled)'}: no id, no URL")
        return
    stored = archived.find(conn, keys)
    gone = retention.pruned_id(conn, keys) if stored is None else None
    if gone is not None:  # retention removed it: an old story polled again, not news
        archived.add_keys(conn, gone, keys)
        result.unchanged += 1
        return
    if stored is not None and (
        stored.raw_hash == raw.content_hash()  # a re-poll, not an edit
        or (stored.source_id != source.id and not source.authoritative)  # first source wins
        or archived.is_pruned(conn, stored.id)
    ):
        archived.add_keys(conn, stored.id, keys)
        result.unchanged += 1
        return
    first_seen = stored.first_seen if stored else now
    try:
        article = normalize(raw, source, rules.normalize, now=now, first_seen=first_seen)
    except SourceError as exc:
        result.rejected.append(str(exc))
        return
    if stored is not None:
        article = _as_edit(article, stored, now)
    elif archived.is_pruned(conn, article.id):
        result.unchanged += 1
        return
    feeds = feeds_of(article, rules)
    result.feeds |= archived.save(conn, article, raw, feeds=feeds, first_seen=first_seen, now=now)
    archived.add_keys(conn, article.id, keys)
    result.article_ids.append(article.id)
    if stored is None:
        result.new += 1
    else:
        result.edited += 1


def _as_edit(article: Article, stored: archived.Stored, now: datetime) -> Article:
    """Keep identity and first publication; a real edit moves `updated` forward."""
    updated = article.updated if article.updated > stored.updated else max(now, stored.updated)
    return dataclasses.replace(
        article,
        id=stored.id,
        guid=stored.guid,
        published=stored.published,
        updated=max(updated, stored.published),
    )


def feeds_of(article: Article, rules: IntakeRules) -> set[str]:
    """The feeds an article belongs in; none when its source is archived only (exclude)."""
    if article.source_id in rules.unpublished_sources:
        return set()
    return {k.name for k in keys_for(article, rules.combos)}
