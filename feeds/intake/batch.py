"""One poll against the archive: each item matched to what is stored, new ones written in bulk."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from feeds.archive import archived, membership, queue
from feeds.intake.normal import article_of
from feeds.intake.rules import IntakeResult, IntakeRules
from feeds.intake.versions import Versions
from sources.model.article import Article
from sources.model.raw import RawItem
from sources.model.spec import SourceSpec
from sources.model.utc import as_utc
from sources.normalize import identity_keys, mint_id


def admitted(items: Sequence[RawItem]) -> list[RawItem]:
    """Items as the archive holds them: every string encodable, before anything is stored.

    The one place raw text is made storable, so every way in (polls, the push API, the
    drop folder) gets the same treatment: a lone surrogate becomes U+FFFD.
    """
    return [raw.encodable() for raw in items]


class Batch:
    """One poll against the archive: decided item by item in memory, written in bulk.

    Two queries read what the archive knows of every key and id of the batch; each item is
    then matched against that state, updated as earlier items of the batch are taken, so
    the outcome is the same as taking them one after another. New articles, their keys
    and memberships are inserted together; an edit (rare) first writes what is pending,
    so arrival positions stay in item order.
    """

    def __init__(
        self,
        conn: Connection,
        source: SourceSpec,
        rules: IntakeRules,
        now: datetime,
        result: IntakeResult,
    ) -> None:
        self.conn, self.source, self.rules, self.now, self.result = conn, source, rules, now, result
        self.known = archived.Known()
        self.new: list[tuple[Article, RawItem, set[str]]] = []
        self.keys: list[tuple[str, str]] = []
        self.touched: set[str] = set()
        self.versions = Versions(conn, source, rules.normalize, now)

    def take(self, items: Sequence[RawItem]) -> None:
        """Take every item in order, then write what is left and queue the touched feeds."""
        keyed = [(raw, identity_keys(raw, self.source)) for raw in admitted(items)]
        self._look_up(keyed)
        for raw, keys in keyed:
            self._take(raw, keys)
        self._flush(dirty=self.touched)

    def _look_up(self, keyed: Sequence[tuple[RawItem, tuple[str, ...]]]) -> None:
        """Read the archive's state for every key, and for the ids new items would get."""
        every = {k for _, keys in keyed for k in keys}
        if not every:
            return
        self.known = archived.lookup(self.conn, every)
        unknown = [k for _, k in keyed if k and self._find(k) is None and not self._gone(k)]
        archived.check_ids(self.conn, self.known, [mint_id(keys[0]) for keys in unknown])

    def _take(self, raw: RawItem, keys: tuple[str, ...]) -> None:
        """The rules of one item, as when intake took items one at a time."""
        result = self.result
        if not keys:
            result.rejected.append(f"{raw.title or '(untitled)'}: no id, no URL")
            return
        stored = self._find(keys)
        gone = self._gone(keys) if stored is None else None
        if gone is not None:  # retention removed it: an old story polled again, not news
            self._unchanged(gone, keys)
            return
        if stored is not None and (
            stored.raw_hash == raw.content_hash()  # a re-poll, not an edit
            or (stored.source_id != self.source.id and not self.source.authoritative)  # first wins
            or stored.id in self.known.pruned  # retention's marker: it stays as it is
        ):
            self._unchanged(stored.id, keys)
            return
        first_seen = stored.first_seen if stored else self.now
        article = article_of(
            raw, self.source, self.rules.normalize, now=self.now, first_seen=first_seen
        )
        if isinstance(article, str):
            result.rejected.append(article)
            return
        given = article.updated  # as the source dates this version; an edit may restamp it
        if stored is not None:
            if self.versions.is_older(given, stored):  # delivered again: versions.py
                self._unchanged(stored.id, keys)
                return
            article = _as_edit(article, stored, self.now)
        elif self._is_pruned(article.id):
            result.unchanged += 1
            return
        self._store(article, raw, first_seen, is_new=stored is None)
        self.versions.note(article.id, given)
        self._add_keys(article.id, keys)
        result.article_ids.append(article.id)
        if stored is None:
            result.new += 1
        else:
            result.edited += 1

    def _unchanged(self, article_id: str, keys: Sequence[str]) -> None:
        """The item leaves the stored article as it is; its keys still name it."""
        self._add_keys(article_id, keys)
        self.result.unchanged += 1

    def _store(self, article: Article, raw: RawItem, first_seen: datetime, *, is_new: bool) -> None:
        """Queue a new article for the bulk insert; write an edit (or a row clash) now."""
        feeds = self.rules.feeds_of(article)
        if is_new and article.id not in self.known.existing:
            self.new.append((article, raw, feeds))
            self.result.feeds |= feeds
        else:
            self._flush()
            touched = archived.write(
                self.conn, article, raw, feeds=feeds, first_seen=first_seen, now=self.now
            )
            self.touched |= touched
            self.result.feeds |= touched
        self.known.existing.add(article.id)
        self.known.checked.add(article.id)
        self.known.stored[article.id] = _as_stored(article, first_seen)

    def _flush(self, dirty: set[str] | frozenset[str] = frozenset()) -> None:
        """Insert pending articles, memberships and keys; queue `dirty` and their feeds."""
        counts = Counter(f for _, _, feeds in self.new for f in feeds)
        first = queue.advance(self.conn, counts, dirty | set(counts))
        archived.insert_new(self.conn, [(a, raw, self.now) for a, raw, _ in self.new])
        members: list[tuple[Article, str, int]] = []
        for article, _, feeds in self.new:
            for feed in sorted(feeds):
                members.append((article, feed, first[feed]))
                first[feed] += 1
        membership.add_members(self.conn, members, now=self.now)
        archived.add_key_pairs(self.conn, self.keys)
        self.new, self.keys = [], []

    def _find(self, keys: Sequence[str]) -> archived.Stored | None:
        """As `archived.find`: the article the first key with a stored owner names."""
        for key in keys:
            owner = self.known.owners.get(key)
            if owner is not None and owner in self.known.stored:
                return self.known.stored[owner]
        return None

    def _gone(self, keys: Sequence[str]) -> str | None:
        """The pruned article (a marker only) one of these keys names."""
        for key in keys:
            owner = self.known.owners.get(key)
            if owner is not None and owner in self.known.pruned:
                return owner
        return None

    def _is_pruned(self, article_id: str) -> bool:
        """Does retention's marker stand for this id? Ids not looked up yet are looked up now."""
        archived.check_ids(self.conn, self.known, [article_id])
        return article_id in self.known.pruned

    def _add_keys(self, article_id: str, keys: Sequence[str]) -> None:
        """Record keys of an article, written with the next flush; a key keeps its first owner."""
        for key in keys:
            if key not in self.known.owners:
                self.known.owners[key] = article_id
                self.keys.append((key, article_id))


def _as_stored(article: Article, first_seen: datetime) -> archived.Stored:
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
