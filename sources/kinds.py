"""Every source kind, registered once: kind name -> collector."""

from __future__ import annotations

from sources import feed, files, page, sitemap
from sources.collect import Collector

KINDS: dict[str, Collector] = {
    "feed": feed.collect,
    "files": files.collect,
    "page": page.collect,
    "sitemap": sitemap.collect,
}
