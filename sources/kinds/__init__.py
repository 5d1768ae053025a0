"""Every source kind, registered once: kind name -> collector."""

from __future__ import annotations

from sources.kinds import feed, files, page, sitemap
from sources.kinds.base import Collector

KINDS: dict[str, Collector] = {
    "feed": feed.collect,
    "files": files.collect,
    "page": page.collect,
    "sitemap": sitemap.collect,
}
