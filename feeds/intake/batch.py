"""One poll against the archive: each item matched to what is stored, new ones written in bulk."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from feeds.archive import archived, legacy, membership, queue
from feeds.intake.adoption import adopted_for, with_legacy_ids, withheld
from feeds.intake.guids import guid_refusal
from feeds.intake.normal import article_of
from feeds.intake.rules import IntakeResult, IntakeRules
from feeds.intake.stored import as_edit, as_stored
from feeds.intake.versions import Versions
from sources.model.article import Article
from sources.model.raw import RawItem
from sources.model.spec import SourceSpec
from sources.normalize import adoption_keys, identity_keys, mint_id

Keyed = tuple[RawItem, tuple[str, ...], tuple[str, ...]]  # raw, identity keys, probe keys


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
        self.adopted: dict[str, list[legacy.Adopted]] = {}  # probe key -> legacy items
        self.item_keys: dict[str, list[str]] = {}  # adopted item id -> its keys
        self.guids: dict[str, str] = {}  # guids given by this batch -> their article
        self.versions = Versions(conn, source, rules.normalize, now)
        self.cutover: datetime | bool | None = False  # False: not read yet

    def take(self, items: Sequence[RawItem]) -> None:
        """Take every item in order, then write what is left and queue the touched feeds."""
        keyed: list[Keyed] = []
        for raw in admitted(items):
            keys = identity_keys(raw, self.source)
            probe = adoption_keys(raw, self.source, self.rules.id_patterns)
            keyed.append((raw, keys, tuple(dict.fromkeys(keys + probe))))
        self._look_up(keyed)
        for raw, keys, probe in keyed:
            self._take(raw, keys, probe)
        self._flush(dirty=self.touched)

    def _look_up(self, keyed: Sequence[Keyed]) -> None:
        """Read the archive's state for every key, and for the ids new items would get."""
        every = {k for _, keys, _ in keyed for k in keys}
        if not every:
            return
        self.known = archived.lookup(self.conn, every)
        unknown = [(k, p) for _, k, p in keyed if k and self._find(k) is None and not self._gone(k)]
        archived.check_ids(self.conn, self.known, [mint_id(keys[0]) for keys, _ in unknown])
        if unknown:  # only a first sight meets adopted items: a re-poll reads no more
            self._look_up_adopted({k for _, p in unknown for k in p})

    def _look_up_adopted(self, probe: set[str]) -> None:
        """The adopted items these keys name, their keys, and the articles those name."""
        self.adopted = legacy.matching(self.conn, probe)
        ids = {item.id for items in self.adopted.values() for item in items}
        if not ids:
            return
        self.item_keys = legacy.keys_by_item(self.conn, ids)
        every = {k for keys in self.item_keys.values() for k in keys}
        found = archived.lookup(self.conn, every - set(self.known.owners))
        self.known.owners.update(found.owners)
        self.known.stored.update(found.stored)
        self.known.existing |= found.existing
        self.known.pruned |= found.pruned
        self.known.checked |= found.checked

    def _take(self, raw: RawItem, keys: tuple[str, ...], probe: tuple[str, ...]) -> None:
        """The rules of one item, as when intake took items one at a time."""
        result = self.result
        if not keys:
            result.rejected.append(f"{raw.title or '(untitled)'}: no id, no URL")
            return
        stored, claimed = self._match(keys, probe)
        if self._refused(raw, stored):
            return
        gone = self._gone(keys) if stored is None else None
        if gone is not None:  # retention removed it: an old story polled again, not news
            self._add_keys(gone, keys)
            result.unchanged += 1
            return
        if stored is not None and (
            stored.raw_hash == raw.content_hash()  # a re-poll, not an edit
            or (stored.source_id != self.source.id and not self.source.authoritative)  # first wins
            or stored.id in self.known.pruned  # retention's marker: it stays as it is
            or self.versions.supersedes(stored, raw)  # an older version delivered again
        ):
            self._add_keys(stored.id, keys)
            result.unchanged += 1
            return
        first_seen = stored.first_seen if stored else self.now
        article = article_of(
            raw, self.source, self.rules.normalize, now=self.now, first_seen=first_seen
        )
        if isinstance(article, str):
            result.rejected.append(article)
            return
        if stored is not None:
            article = as_edit(article, stored, self._extra_of(stored.id), self.now)
        elif self._is_pruned(article.id):
            result.unchanged += 1
            return
        if claimed:  # its first sight: the ids and dates its legacy feeds served
            article = with_legacy_ids(article, claimed)
        elif stored is None and self._is_old(article):
            article = withheld(article)
        self._store(article, raw, first_seen, is_new=stored is None)
        self.versions.note(article.id, raw, first_seen)
        self._add_keys(article.id, keys)
        if claimed:  # later arrivals by any of the legacy keys are this article
            self._add_keys(article.id, self._legacy_keys(claimed))
        result.article_ids.append(article.id)
        if stored is None:
            result.new += 1
        else:
            result.edited += 1

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
        self.guids[article.guid] = article.id
        self.known.checked.add(article.id)
        self.known.stored[article.id] = as_stored(article, first_seen)

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

    def _match(
        self, keys: tuple[str, ...], probe: tuple[str, ...]
    ) -> tuple[archived.Stored | None, list[legacy.Adopted]]:
        """The stored article these keys name, else the adopted items its probe keys do."""
        stored = self._find(keys)
        claimed = adopted_for(probe, self.adopted) if stored is None else []
        if claimed and (stored := self._claimer(claimed)) is not None:
            claimed = []  # another copy of the story took its legacy ids first: it is that one
        return stored, claimed

    def _refused(self, raw: RawItem, stored: archived.Stored | None) -> bool:
        """Refuse a CMS's guid that is not this article's: honoured at first sight only."""
        refusal = guid_refusal(self.conn, self.guids, raw, stored)
        if refusal:
            self.result.rejected.append(refusal)
            self.result.fields[refusal] = "guid"
        return bool(refusal)

    def _is_old(self, article: Article) -> bool:
        """Was it published before the cut-over (the newest adopted item)? Read once."""
        if self.cutover is False:
            self.cutover = legacy.cutover(self.conn)
        return isinstance(self.cutover, datetime) and article.published <= self.cutover

    def _legacy_keys(self, claimed: Sequence[legacy.Adopted]) -> list[str]:
        """Every key of these adopted items, in a stable order."""
        return sorted({k for c in claimed for k in self.item_keys.get(c.id, ())})

    def _claimer(self, claimed: Sequence[legacy.Adopted]) -> archived.Stored | None:
        """The article that took these adopted items already (in the archive or this batch)."""
        return self._find(self._legacy_keys(claimed))

    def _extra_of(self, article_id: str) -> tuple[tuple[str, str], ...]:
        """The stored article's legacy ids, which an edit keeps (edits are rare: one read)."""
        self._flush()  # it may be pending in this batch
        stored = archived.get(self.conn, article_id)
        return stored.extra if stored is not None else ()

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
