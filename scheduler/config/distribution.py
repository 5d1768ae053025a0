"""`[sitemaps]` of config.toml: what the Google News sitemap lists, and under which name."""

from __future__ import annotations

import re

from feeds.build.newsmap import NewsSitemapSettings
from scheduler.config.reader import Reader

_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def read_sitemaps(r: Reader, site_title: str) -> NewsSitemapSettings | None:
    """`[sitemaps]`; None (no news sitemap is served) when no article host is named."""
    if r.peek("sitemaps") is None:
        return None
    name = r.string("sitemaps.publication_name", site_title)
    if not name.strip():
        r.error("sitemaps.publication_name", name, "must not be empty")
    hosts = []
    for host in r.strings("sitemaps.hosts", ()):
        if not _HOST.fullmatch(host.lower()):
            r.error("sitemaps.hosts", host, "must be host names such as www.example.com")
        hosts.append(host.lower())
    if not hosts:
        r.error("sitemaps.hosts", [], "must name the hosts of the site's own article URLs")
        return None
    return NewsSitemapSettings(hosts=frozenset(hosts), publication_name=name)
