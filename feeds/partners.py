"""Partners (`[[partners]]`): who receives a profile of which feeds, where, and how it is dressed.

A partner feed is served at `/partners/{id}/{key}.{rss|atom}`, rendered from the same
articles as the public feed `key` (within the source's rights), with what the partner's
profile asks for on top. It is never listed on the index, in the OPML or in discovery.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from feeds.catalog import Format

Profile = Literal["msn", "smartnews", "flipboard", "generic", "google-news"]
PROFILES: tuple[Profile, ...] = ("msn", "smartnews", "flipboard", "generic", "google-news")
# google-news serves no feed: it is the news sitemap's rule pack (feeds/build/newsmap.py)
FEEDLESS: tuple[Profile, ...] = ("google-news",)
PARTNER_FORMATS: tuple[Format, ...] = ("rss", "atom")
PREFIX = "partners/"  # the feed name of a partner document: partners/{id}/{key}
_DOC_FEED = re.compile(r"^partners/([a-z0-9][a-z0-9-]*)/(.+)$")


@dataclass(frozen=True, slots=True)
class Partner:
    """One `[[partners]]` entry, validated."""

    id: str
    profile: Profile
    feeds: tuple[str, ...] = ()
    formats: tuple[Format, ...] = ("rss",)
    auth_env: str | None = None
    logo_url: str | None = None  # SmartNews: snf:logo; every profile: the feed's logo

    def stem(self, feed: str) -> str:
        """The URL path of this partner's profile of a feed, without its extension."""
        return f"/partners/{self.id}/{feed}"

    def doc_feed(self, feed: str) -> str:
        """The name its documents are stored under (never a public feed's name)."""
        return f"{PREFIX}{self.id}/{feed}"


def split_doc_feed(name: str) -> tuple[str, str] | None:
    """(partner id, feed key) of a partner document's feed name; None for any other name."""
    m = _DOC_FEED.match(name)
    return (m.group(1), m.group(2)) if m else None


@dataclass(frozen=True, slots=True)
class Dressing:
    """What a profile adds to the rendered feed: elements the public feeds do not carry."""

    thumbnails: bool = False  # media:thumbnail per item with its size where known
    snf_logo: str | None = None  # SmartFormat's channel logo, <snf:logo><url>…</url>


def dressing_for(partner: Partner) -> Dressing:
    """The extra elements of a partner's profile."""
    if partner.profile == "smartnews":
        # SmartFormat 2.x: snf:logo in the channel, a thumbnail per item (spec cited in
        # docs/partners.md)
        return Dressing(thumbnails=True, snf_logo=partner.logo_url)
    # msn, flipboard, generic: the public feed's media:content (with sizes where known),
    # content:encoded and language are what their specs ask for; nothing more is added
    return Dressing()
