"""Which source kind a fetched URL is, told by what it serves (for `newsfeeds try URL`)."""

from __future__ import annotations

import re

from sources.model.media import HTML_TYPES

_HTML = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)


_SITEMAP = re.compile(rb"<(?:[\w-]+:)?(?:urlset|sitemapindex)\b")


def kind_of(body: bytes, content_type: str | None) -> str:
    """Which source kind a fetched URL is: an HTML page, a sitemap, else a feed."""
    media = (content_type or "").split(";")[0].strip().lower()
    head = body[:4096]
    if media in HTML_TYPES or _HTML.match(head):
        return "page"
    return "sitemap" if _SITEMAP.search(head) else "feed"
