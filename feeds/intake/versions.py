"""Which version of an article is newer, by the dates its source gave each version.

A source may hand over again a version the archive already replaced: a drop folder seeded
anew on a restored machine, a CMS re-exporting its history, a push retried late. Such an
item differs from the stored one, but it is not an edit: taking it would put the old text
back and date it by the clock, and the newer version read after it would then keep the
clock's date, so documents would change with nothing new upstream (invariant 2).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from feeds.archive import archived, originals
from feeds.intake.normal import article_of
from sources.model.raw import RawItem
from sources.model.spec import NormalizeSettings, SourceSpec

Version = tuple[RawItem, datetime]  # a raw item as stored, and its article's first sighting


class Versions:
    """The raw item each article was last stored from, as one batch comes to know them."""

    def __init__(
        self, conn: Connection, source: SourceSpec, settings: NormalizeSettings, now: datetime
    ) -> None:
        self.conn, self.source, self.settings, self.now = conn, source, settings, now
        self.kept: dict[str, Version | None] = {}

    def note(self, article_id: str, raw: RawItem, first_seen: datetime) -> None:
        """This batch stored the article from `raw` (it may not be written yet)."""
        self.kept[article_id] = (raw, first_seen)

    def supersedes(self, stored: archived.Stored, raw: RawItem) -> bool:
        """Does the source date the stored version after this item (so the item is no edit)?

        The stored version's date is its raw item's, normalized again, not the stored
        `updated`: an edit that kept its date was stamped with the clock, and the next edit
        that keeps it is still an edit. Another source's dates are not compared. Edits are
        rare: each costs a read and a normalization more.
        """
        if stored.source_id != self.source.id:
            return False
        if stored.id not in self.kept:
            self.kept[stored.id] = originals.stored_raw(self.conn, stored.id)
        kept = self.kept[stored.id]
        if kept is None:
            return False
        before, given = self._date(*kept), self._date(raw, stored.first_seen)
        return before is not None and given is not None and given < before

    def _date(self, raw: RawItem, first_seen: datetime) -> datetime | None:
        """The `updated` intake gives a raw item (None when it does not normalize)."""
        article = article_of(raw, self.source, self.settings, now=self.now, first_seen=first_seen)
        return None if isinstance(article, str) else article.updated
