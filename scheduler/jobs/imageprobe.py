"""Probe the sizes of lead images that hold partner items as image-size-pending.

Runs as its own periodic job, never in a rebuild or a request: a rebuild serves the item
held until the size lands. Each pass probes at most `PER_PASS` images, each bounded by the
fetch deadline, so a pass takes at most PER_PASS × fetch.deadline_seconds; each image URL is
probed once (the result, or the failure, is kept in the archive). A size found rebuilds the
partner feeds whose item it held, which releases the item.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from feeds.archive import image_sizes
from feeds.archive.engine import Store
from feeds.build import partnerfeeds
from feeds.partners import Partner
from feeds.site import Site
from sources.errors import FetchError
from sources.model.spec import FetchSettings
from sources.net.probe import probe
from sources.net.robots import Robots

log = logging.getLogger(__name__)
PER_PASS = 4
EVERY_SECONDS = 60


class ImageProbeJob:
    """One pass: probe the pending images (a few), store what was found, release the items."""

    def __init__(
        self, store: Store, site: Site, partners: Sequence[Partner], fetch: FetchSettings
    ) -> None:
        self.store, self.site, self.partners, self.fetch = store, site, tuple(partners), fetch

    def run(self, now: datetime) -> list[str]:
        """Probe up to PER_PASS pending images; the partner feed paths that changed."""
        if not self.partners:
            return []
        wanted = partnerfeeds.pending_images(self.store, self.site, self.partners, now)
        robots = Robots(self.fetch, now)
        released: set[tuple[str, str]] = set()
        for url in sorted(wanted)[:PER_PASS]:
            size, error = self._probe(url, robots)
            with self.store.begin(derived=True) as conn:
                image_sizes.record(conn, url, size, error, now)
            if size is not None:
                released |= wanted[url]
        if not released:
            return []
        ids = {partner for partner, _ in released}
        partners = [p for p in self.partners if p.id in ids]
        feeds = {feed for _, feed in released}
        return partnerfeeds.refresh(self.store, self.site, partners, now, feeds)

    def _probe(self, url: str, robots: Robots) -> tuple[tuple[int, int] | None, str | None]:
        """One image's size, or why there is none (logged: it stays held)."""
        try:
            if not robots.allowed(url):
                raise FetchError(f"robots.txt disallows {url}")
            return probe(url, self.fetch), None
        except FetchError as exc:
            log.warning("image size not probed: %s", exc)
            return None, str(exc)
