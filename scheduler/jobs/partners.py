"""When to rebuild partner feeds: after their public feed is rebuilt, and once an hour.

A partner feed is made from its public feed's articles, so that feed's rebuild is the sign
it may have changed. Rules about dates (an item's age) change with the clock alone, so
every partner feed is also rebuilt hourly and once when a process starts; bytes that did
not change are never rewritten.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta

from feeds.archive.engine import Store
from feeds.build import partnerfeeds
from feeds.build.newsmap import NewsSitemapSettings
from feeds.partners import Partner
from feeds.site import Site
from scheduler.clock import utcnow
from scheduler.housekeeping import Periodic
from scheduler.jobs.imageprobe import EVERY_SECONDS, ImageProbeJob
from scheduler.jobs.sitemaps import NewsSitemapJob
from sources.model.spec import FetchSettings

log = logging.getLogger(__name__)
EVERY = timedelta(hours=1)


class PartnerFeedsJob:
    """Rebuilds the partner feeds whose public feeds were rebuilt, and all of them hourly."""

    def __init__(self, store: Store, site: Site, partners: Sequence[Partner]) -> None:
        self.store, self.site, self.partners = store, site, tuple(partners)
        self.all_at: datetime | None = None  # the last rebuild of every partner feed

    def after_rebuild(self, rebuilt: Collection[str], now: datetime) -> list[str]:
        """Rebuild what is due; the paths that changed (none when it failed: logged)."""
        whole = self.all_at is None or now >= self.all_at + EVERY
        wanted = None if whole else set(rebuilt)
        if wanted is not None and not wanted:
            return []
        try:
            changed = partnerfeeds.refresh(self.store, self.site, self.partners, now, wanted)
        except Exception:  # job boundary: public feeds go on; the next pass retries
            log.exception("partner feeds rebuild failed; their last good documents stay")
            self.all_at = None
            return []
        if whole:
            self.all_at = now
        return changed


class Distribution:
    """What follows a rebuild pass: the news sitemap and the partner feeds."""

    def __init__(
        self,
        store: Store,
        site: Site,
        sitemaps: NewsSitemapSettings | None,
        partners: Sequence[Partner],
        fetch: FetchSettings | None = None,
    ) -> None:
        self.news = NewsSitemapJob(store, site, sitemaps) if sitemaps else None
        self.partner_feeds = PartnerFeedsJob(store, site, partners)
        self.images = ImageProbeJob(store, site, partners, fetch or FetchSettings())

    def after_rebuild(self, rebuilt: Collection[str], now: datetime) -> list[str]:
        """Refresh what the rebuilt feeds (or the clock) made due; the paths that changed."""
        changed = self.news.after_rebuild(rebuilt, now) if self.news is not None else []
        return changed + self.partner_feeds.after_rebuild(rebuilt, now)

    def periodic(self, changed: Callable[[list[str]], None]) -> list[Periodic]:
        """The image-size probe, which runs beside the rebuilds, never in them."""
        if not self.images.partners:
            return []
        work = lambda: changed(self.images.run(utcnow()))  # noqa: E731
        return [Periodic("image-probe", EVERY_SECONDS, work)]
