"""Plain, per-site publishing values handed down from config, and each feed's metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

import pycountry

from feeds.catalog import FeedKey, FeedMeta, Format, parse_name
from sources.model.rights import Rights, is_published
from sources.normalize import mint_feed_id


@dataclass(frozen=True, slots=True)
class Site:
    """Everything publishing needs to know, as plain values."""

    title: str
    base_url: str
    authority: str
    language: str | None = "en"
    items: int = 50
    max_bytes: int = 1_000_000
    formats: tuple[Format, ...] = ("rss", "atom", "json")
    rss_pubdate: Literal["published", "updated"] = "published"
    hubs: tuple[str, ...] = ()
    tombstone_days: int = 7
    archive_page_items: int = 100
    cache_max_age: int = 300
    publish_guard_share: float = 0.5
    current_days: int = 30  # retention.current_days: the publish guard's notion of aging out
    purge: bool = False  # [cdn] purge_url set: changed documents are purged before pings
    section_titles: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    section_descriptions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    section_links: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    rights: Mapping[str, tuple[Rights, bool]] = field(default_factory=lambda: MappingProxyType({}))
    logo_url: str | None = None  # site.logo_url: RSS image, Atom logo
    icon_url: str | None = None  # site.icon_url: Atom icon, JSON Feed icon and favicon
    copyright: str | None = None  # site.copyright: RSS copyright, Atom rights
    # a feed document's path -> old paths it is served at too (`[[redirects]] serve = true`)
    served_at: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def excluded_sources(self) -> frozenset[str]:
        """Sources whose articles no feed may carry (rights = "exclude")."""
        return frozenset(s for s, (rights, _) in self.rights.items() if not is_published(rights))


@lru_cache(maxsize=512)
def country_name(cc: str) -> str:
    """A country's common name from its alpha-2 code."""
    country = pycountry.countries.get(alpha_2=cc.upper())
    if country is None:
        return cc.upper()
    return str(getattr(country, "common_name", None) or country.name)


def feed_title(site: Site, key: FeedKey) -> str:
    """The human title of a feed, e.g. 'Daily News: World — India'."""
    section = site.section_titles.get(key.section or "", (key.section or "").title())
    if key.kind == "latest":
        return f"{site.title}: Latest"
    if key.kind == "section":
        return f"{site.title}: {section}"
    if key.kind == "country":
        return f"{site.title}: {country_name(key.country or '')}"
    return f"{site.title}: {section} — {country_name(key.country or '')}"


def meta_for(site: Site, name: str) -> FeedMeta:
    """The metadata of the feed with this name (latest, section/world, country/in …)."""
    key = parse_name(name)
    if key is None:
        raise ValueError(f"not a feed name: {name!r}")
    title = feed_title(site, key)
    description = site.section_descriptions.get(key.section or "", "") or title
    return FeedMeta(
        key=key,
        title=title,
        description=description,
        base_url=site.base_url,
        feed_id=mint_feed_id(site.authority, key.name),
        language=site.language,
        hubs=site.hubs,
        ttl_minutes=max(1, site.cache_max_age // 60),
        author_name=site.title,
        icon_url=site.icon_url,
        logo_url=site.logo_url,
        copyright=site.copyright,
        home=site.section_links.get(key.section or ""),
    )
