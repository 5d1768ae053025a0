"""When to refresh the Google News sitemap: after "latest" is rebuilt, and when it is due.

Every article change marks "latest" dirty, so its rebuild is the sign the sitemap's
articles may have changed. With no change, the sitemap still moves when its oldest listed
article passes 48 hours (or a future-dated one comes due): `due`, kept per process. A
process that has not built it yet builds it once; unchanged bytes are never rewritten, so
several processes doing so agree on the stored documents and their change times.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime

from feeds.archive.engine import Store
from feeds.build import newsmap
from feeds.site import Site

log = logging.getLogger(__name__)


class NewsSitemapJob:
    """Refreshes the news sitemap when its articles may have changed or its window moved."""

    def __init__(self, store: Store, site: Site, settings: newsmap.NewsSitemapSettings) -> None:
        self.store, self.site, self.settings = store, site, settings
        self.built = False
        self.due: datetime | None = None

    def is_due(self, rebuilt: Collection[str], now: datetime) -> bool:
        """Whether a refresh is wanted after a rebuild pass that rebuilt these feeds."""
        if not self.built or "latest" in rebuilt:
            return True
        return self.due is not None and now >= self.due

    def after_rebuild(self, rebuilt: Collection[str], now: datetime) -> list[str]:
        """Refresh if wanted; the paths that changed (none when it failed: logged, retried)."""
        if not self.is_due(rebuilt, now):
            return []
        try:
            result = newsmap.refresh(self.store, self.site, self.settings, now)
        except Exception:  # job boundary: the feeds are served on; the next pass retries
            log.exception("news sitemap refresh failed; its last good documents stay")
            self.built = False
            return []
        self.built, self.due = True, result.due
        return result.changed
