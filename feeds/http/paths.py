"""Which document a request path names: feeds, history pages, sitemaps, partner feeds, moves."""

from __future__ import annotations

import re
from collections.abc import Mapping

FEED_PATH = re.compile(
    r"^/feeds/(latest|section/[a-z0-9-]+(?:/[a-z]{2})?|country/[a-z]{2})"
    r"(?:/archive/[1-9][0-9]{0,8})?\.(?:rss|atom|json)$"
)
# the Google News sitemap (feeds/build/newsmap.py): one file, an index, hourly files
SITEMAP_PATH = re.compile(r"^/sitemaps/news(?:-index|-[0-9]{10}(?:-[1-9][0-9]{0,4})?)?\.xml$")
# a partner's profile of a feed (feeds/partners.py): no history pages, no JSON
PARTNER_PATH = re.compile(
    r"^/(partners/[a-z0-9][a-z0-9-]*/"
    r"(?:latest|section/[a-z0-9-]+(?:/[a-z]{2})?|country/[a-z]{2}))\.(?:rss|atom)$"
)


def feed_name(path: str) -> str | None:
    """The feed a document path belongs to (history pages included), or None."""
    m = FEED_PATH.match(path)
    if m:
        return m.group(1)
    m = PARTNER_PATH.match(path)
    if m:
        return m.group(1)
    return "sitemaps/news" if SITEMAP_PATH.match(path) else None


def redirect_target(redirects: Mapping[str, str], path: str) -> str | None:
    """Where a moved feed went: an exact `from`, or a `from` stem followed by . or /.

    A stem rule (from = "/feeds/section/sport") covers every format, country and archive
    page of the renamed section. "" means gone (410).
    """
    exact = redirects.get(path)
    if exact is not None:
        return exact
    for src, dst in redirects.items():
        if path.startswith(src) and path[len(src) : len(src) + 1] in (".", "/"):
            return dst + path[len(src) :] if dst else ""
    return None
