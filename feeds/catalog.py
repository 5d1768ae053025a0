"""Which feeds exist, where they are served, and which feeds an article belongs to."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sources.model.article import Article

Format = Literal["rss", "atom", "json"]
FORMATS: tuple[Format, ...] = ("rss", "atom", "json")
# The registered media type of each format (RFC 4287 §7 for Atom; jsonfeed.org for JSON Feed)
FEED_TYPES: dict[str, str] = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
# As served: every document is UTF-8
MEDIA_TYPES: dict[str, str] = {fmt: f"{kind}; charset=utf-8" for fmt, kind in FEED_TYPES.items()}
HISTORY_SEGMENT = "/archive/"  # RFC 5005 history pages are served under …/archive/{n}.{fmt}


def is_history_path(path: str) -> bool:
    """True for the path of an RFC 5005 history page (as opposed to a current document)."""
    return HISTORY_SEGMENT in path


@dataclass(frozen=True, order=True, slots=True)
class FeedKey:
    """Identifies one logical feed; each has one document per format."""

    section: str | None = None
    country: str | None = None

    @property
    def kind(self) -> str:
        """latest, section, country or combo."""
        if self.section and self.country:
            return "combo"
        if self.section:
            return "section"
        if self.country:
            return "country"
        return "latest"

    @property
    def stem(self) -> str:
        """The URL path without the format extension, e.g. /feeds/section/world/in."""
        if self.section and self.country:
            return f"/feeds/section/{self.section}/{self.country.lower()}"
        if self.section:
            return f"/feeds/section/{self.section}"
        if self.country:
            return f"/feeds/country/{self.country.lower()}"
        return "/feeds/latest"

    @property
    def name(self) -> str:
        """A short stable name: latest, section/world, country/in, section/world/in."""
        return self.stem.removeprefix("/feeds/")

    def path(self, fmt: Format) -> str:
        """The URL path this feed is served at in one format."""
        return f"{self.stem}.{fmt}"

    def history_stem(self, page: int) -> str:
        """The URL path of an RFC 5005 history page without its extension (1 is the oldest)."""
        return f"{self.stem}{HISTORY_SEGMENT}{page}"

    def history_path(self, page: int, fmt: Format) -> str:
        """The URL path of an RFC 5005 history page in one format."""
        return f"{self.history_stem(page)}.{fmt}"


LATEST = FeedKey()

_NAME = re.compile(r"^(latest|section/([a-z0-9-]+)(?:/([a-z]{2}))?|country/([a-z]{2}))$")


def parse_name(name: str) -> FeedKey | None:
    """Parse a feed name such as section/world/in back into a key; None if malformed."""
    m = _NAME.match(name)
    if not m:
        return None
    if m.group(1) == "latest":
        return LATEST
    if m.group(4):
        return FeedKey(country=m.group(4).upper())
    return FeedKey(section=m.group(2), country=m.group(3).upper() if m.group(3) else None)


def keys_for(article: Article, combos: ComboRule) -> set[FeedKey]:
    """Every feed an article belongs to (whatever its status)."""
    keys = {LATEST, FeedKey(section=article.section)}
    for cc in article.countries:
        keys.add(FeedKey(country=cc))
        if combos.allows(article.section, cc):
            keys.add(FeedKey(section=article.section, country=cc))
    return keys


def feed_names(article: Article, combos: ComboRule, unpublished: frozenset[str]) -> set[str]:
    """The names of the feeds an article is a member of; none when its source is unpublished."""
    if article.source_id in unpublished:
        return set()
    return {k.name for k in keys_for(article, combos)}


@dataclass(frozen=True, slots=True)
class ComboRule:
    """Which section×country feeds exist: all with articles, none, or a fixed list."""

    mode: Literal["with-articles", "none", "list"] = "with-articles"
    pairs: frozenset[tuple[str, str]] = frozenset()

    def allows(self, section: str, country: str) -> bool:
        """True when the section×country feed should exist."""
        if self.mode == "with-articles":
            return True
        if self.mode == "none":
            return False
        return (section, country.upper()) in self.pairs

    @classmethod
    def parse(cls, value: str | Sequence[str]) -> ComboRule:
        """Build from the config value of `[feeds] combos`."""
        if isinstance(value, str):
            if value not in ("with-articles", "none"):
                raise ValueError(f"must be 'with-articles', 'none' or a list, got {value!r}")
            return cls(mode=value)  # type: ignore[arg-type]
        pairs = set()
        for item in value:
            section, _, cc = item.partition("/")
            if not section or len(cc) != 2:
                raise ValueError(f"list items must look like 'section/cc', got {item!r}")
            pairs.add((section, cc.upper()))
        return cls(mode="list", pairs=frozenset(pairs))


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """Everything a renderer needs about one feed besides its articles."""

    key: FeedKey
    title: str
    description: str
    base_url: str  # site.base_url without trailing slash; self links are base_url + path
    feed_id: str  # permanent Atom feed id (tag: URI)
    language: str | None = None
    hubs: tuple[str, ...] = ()
    ttl_minutes: int = 5
    generator: str = "newsfeeds"
    icon_url: str | None = None
    logo_url: str | None = None
    author_name: str | None = None
    copyright: str | None = None  # RSS copyright, Atom rights
    home: str | None = None  # the channel link when not the site's home (a section's page)
    stylesheet_path: str | None = "/feeds/style.xsl"
    # RFC 5005 links, as URL path stems (render adds the format's extension):
    current_stem: str | None = None
    prev_archive_stem: str | None = None
    next_archive_stem: str | None = None
    is_archive_page: bool = False
    page_stem: str | None = None  # when set, the document is served at page_stem.{fmt}
    # an empty feed's updated/lastBuildDate: its document's stored change time (build/drafts.py)
    empty_updated: datetime | None = None
    self_path: str | None = None  # served at this path instead (`[[redirects]] serve = true`)

    def self_url(self, fmt: Format) -> str:
        """The absolute URL this document is served at; never taken from a request."""
        if self.self_path:
            return f"{self.base_url}{self.self_path}"
        stem = self.page_stem or self.key.stem
        return f"{self.base_url}{stem}.{fmt}"

    def url_for(self, stem: str, fmt: Format) -> str:
        """Absolute URL of another document of this feed family, in this format."""
        return f"{self.base_url}{stem}.{fmt}"


def group_keys(keys: Iterable[FeedKey]) -> list[FeedKey]:
    """Sort keys latest first, then sections, countries, combos."""
    order = {"latest": 0, "section": 1, "country": 2, "combo": 3}
    return sorted(keys, key=lambda k: (order[k.kind], k.section or "", k.country or ""))


def surrogate_keys(feed: str) -> tuple[str, ...]:
    """A document's CDN purge keys: its feed, its section, its country (`Surrogate-Key`)."""
    key = parse_name(feed)
    if key is None:
        return ()
    own = "feed-" + key.name.replace("/", "-").lower()
    section = (f"section-{key.section}",) if key.section else ()
    country = (f"country-{key.country.lower()}",) if key.country else ()
    return (own, *section, *country)
