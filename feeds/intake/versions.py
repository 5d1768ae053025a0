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
from sources.model.spec import NormalizeSettings, SourceSpec


class Versions:
    """The `updated` the source gave each stored version, as one batch comes to know them."""

    def __init__(
        self, conn: Connection, source: SourceSpec, settings: NormalizeSettings, now: datetime
    ) -> None:
        self.conn, self.source, self.settings, self.now = conn, source, settings, now
        self.given: dict[str, datetime | None] = {}

    def note(self, article_id: str, given: datetime) -> None:
        """An item of this batch was stored as the article's version, dated `given`."""
        self.given[article_id] = given

    def is_older(self, given: datetime, stored: archived.Stored) -> bool:
        """Does the source date this item before the version it stored (so: not an edit)?

        The stored version's own date is read from its raw item, not from the stored
        `updated`: an edit that kept its date was stamped with the clock, and the next edit
        that keeps it is still an edit. Another source's dates are not compared.
        """
        if stored.source_id != self.source.id:
            return False
        if stored.id not in self.given:
            self.given[stored.id] = self._stored_date(stored)
        kept = self.given[stored.id]
        return kept is not None and given < kept

    def _stored_date(self, stored: archived.Stored) -> datetime | None:
        """The `updated` the stored version's raw item gives, normalized as intake does.

        None when it no longer normalizes: the item is then taken as an edit, as before.
        """
        kept = originals.stored_raw(self.conn, stored.id)
        if kept is None:
            return None
        raw, first_seen = kept
        then = article_of(raw, self.source, self.settings, now=self.now, first_seen=first_seen)
        return None if isinstance(then, str) else then.updated
