"""Turn raw TOML into the typed Config, table by table, recording every problem on the reader.

The tables are read in one fixed order, so `check-config` lists problems in that order.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from feeds.catalog import FORMATS, ComboRule, Format
from feeds.http.app import ServeSettings
from feeds.intake import IntakeRules
from feeds.site import Site
from scheduler.config.analytics import read_analytics
from scheduler.config.distribution import read_distribution
from scheduler.config.feed_entries import read_combos, read_redirects, read_sections
from scheduler.config.paths import local_path
from scheduler.config.reader import Reader
from scheduler.config.settings import Config, SchedulerSettings, Section
from scheduler.config.source_entries import read_sources
from scheduler.config.stage_settings import (
    read_access,
    read_cdn,
    read_fetch,
    read_normalize,
    read_retention,
    read_server,
)
from sources.model.rights import is_published
from sources.model.spec import NormalizeSettings, SourceSpec
from sources.normalize.urls import is_web_url


def build(path: Path, r: Reader) -> Config:
    """The Config of one file; problems are recorded on the reader, not raised."""
    base_url = r.url("site.base_url", "http://127.0.0.1:8080").rstrip("/")
    authority = r.string("site.authority", urlsplit(base_url).hostname or "localhost")
    if not re.fullmatch(r"[A-Za-z0-9.-]+(@[A-Za-z0-9.-]+)?", authority):
        r.error("site.authority", authority, "must be a domain name or email address")
    sections = read_sections(r)
    min_interval = r.integer("scheduler.min_interval_seconds", 60, low=1)
    fetch = read_fetch(r)
    normalize = read_normalize(r, authority, sections)
    slugs, base = {s.slug for s in sections}, path.absolute().parent
    sources = read_sources(r, slugs, min_interval, base)
    retention = read_retention(r)
    formats = _formats(r)
    head, contact_url = _head(r, base_url, authority)
    server = read_server(r, base)
    feeds = _feeds(r, slugs)
    hubs = tuple(r.url_list("websub.hubs"))
    access = read_access(r)
    log_format = r.choice("logging.format", "text", ("text", "json"))
    redirects, served = read_redirects(r)
    distribution = read_distribution(r, head.title, slugs, feeds.combos, os.environ)
    site = _site(
        head,
        feeds,
        formats=formats,
        hubs=hubs,
        current_days=retention.current_days,
        sections=sections,
        sources=sources,
        served=served,
    )
    return Config(
        path=path,
        site=site,
        intake=_intake(normalize, feeds.combos, sources),
        serve=_serve(feeds, redirects, served),
        fetch=fetch,
        retention=retention,
        scheduler=_scheduler(r, min_interval),
        access=access,
        **server,
        contact_url=contact_url,
        log_format=log_format,
        sections=sections,
        sources=sources,
        **_outputs(r, base),
        analytics=read_analytics(r),
        **distribution,
    )


def _scheduler(r: Reader, min_interval: int) -> SchedulerSettings:
    """`[scheduler]`: the shortest poll interval, poll jitter and rebuild lease lifetime."""
    jitter = r.integer("scheduler.jitter_seconds", 10, low=0)
    return SchedulerSettings(min_interval, jitter, r.integer("scheduler.lease_seconds", 300, low=1))


def _outputs(r: Reader, base: Path) -> dict[str, Any]:
    """`[publish]` and `[cdn]`: what a process publishes besides its HTTP answers."""
    return {"docroot": _docroot(r, base), "cdn": read_cdn(r)}


def _docroot(r: Reader, base: Path) -> Path | None:
    """`[publish] docroot`: a folder (made on first use), from the config's folder."""
    value = r.optional_string("publish.docroot", None)
    if not value:
        return None
    path = Path(local_path(value, base))
    if path.exists() and not path.is_dir():
        r.error("publish.docroot", value, "must be a folder (or not exist yet), not a file")
    return path


def _head(r: Reader, base_url: str, authority: str) -> tuple[Site, str | None]:
    """The rest of `[site]`: title and language (on a Site), and the contact URL."""
    title = r.string("site.title", "newsfeeds")
    language = r.optional_string("site.language", "en")
    contact_url = r.optional_string("site.contact_url", None)
    # purge before pings when `[cdn] purge_url` is set (read, with its checks, by read_cdn)
    purge = bool(r.peek("cdn.purge_url"))
    site = Site(
        title,
        base_url,
        authority,
        language,
        logo_url=_optional_url(r, "site.logo_url"),
        icon_url=_optional_url(r, "site.icon_url"),
        copyright=r.optional_string("site.copyright", None),
    )
    return dataclasses.replace(site, purge=purge), contact_url


def _optional_url(r: Reader, key: str) -> str | None:
    """An optional absolute http(s) URL."""
    value = r.optional_string(key, None)
    if value is not None and not is_web_url(value):
        r.error(key, value, "must be an absolute http(s) URL")
        return None
    return value


def _serve(
    feeds: _Feeds, redirects: MappingProxyType[str, str], served: MappingProxyType[str, str]
) -> ServeSettings:
    """What serving takes: `[feeds]` cache lifetimes and the `[[redirects]]`."""
    return ServeSettings(
        cache_max_age=feeds.cache_max_age,
        stale_while_revalidate=feeds.stale_while_revalidate,
        stale_if_error=feeds.stale_if_error,
        redirects=redirects,
        served=served,
    )


def _site(
    head: Site,
    feeds: _Feeds,
    *,
    formats: tuple[Format, ...],
    hubs: tuple[str, ...],
    current_days: int,
    sections: tuple[Section, ...],
    sources: tuple[SourceSpec, ...],
    served: Mapping[str, str],
) -> Site:
    """What publishing takes: `[site]` (in `head`), `[feeds]`, hubs, sections and rights."""
    return dataclasses.replace(
        head,
        items=feeds.items,
        max_bytes=feeds.max_bytes,
        formats=formats,
        rss_pubdate="updated" if feeds.rss_pubdate == "updated" else "published",
        hubs=hubs,
        tombstone_days=feeds.tombstone_days,
        archive_page_items=feeds.archive_page_items,
        cache_max_age=feeds.cache_max_age,
        publish_guard_share=feeds.publish_guard_share,
        current_days=current_days,
        section_titles=MappingProxyType({s.slug: s.title for s in sections}),
        section_descriptions=MappingProxyType({s.slug: s.description for s in sections}),
        section_links=MappingProxyType({s.slug: s.link for s in sections if s.link}),
        rights=MappingProxyType({s.id: (s.rights, s.images) for s in sources}),
        served_at=MappingProxyType(_by_target(served)),
    )


def _by_target(served: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Feed document path -> the old paths it is also served at (`serve = true`)."""
    out: dict[str, list[str]] = {}
    for old, target in sorted(served.items()):
        out.setdefault(target, []).append(old)
    return {k: tuple(v) for k, v in out.items()}


def _intake(
    normalize: NormalizeSettings, combos: ComboRule, sources: tuple[SourceSpec, ...]
) -> IntakeRules:
    """What intake takes: normalization bounds, combos, the sources no feed may carry."""
    unpublished = frozenset(s.id for s in sources if not is_published(s.rights))
    return IntakeRules(
        normalize=normalize,
        combos=combos,
        unpublished_sources=unpublished,
        id_patterns=tuple(sorted({s.id_pattern for s in sources if s.id_pattern})),
    )


def _formats(r: Reader) -> tuple[Format, ...]:
    """`[feeds] formats`: known ones only."""
    formats = r.strings("feeds.formats", FORMATS)
    for fmt in formats:
        if fmt not in FORMATS:
            r.error("feeds.formats", fmt, f"must be one of {', '.join(FORMATS)}")
    return tuple(f for f in formats if f in FORMATS)  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class _Feeds:
    """`[feeds]` as read, before it is shared out to publishing, intake and serving."""

    items: int
    max_bytes: int
    combos: ComboRule
    rss_pubdate: str
    cache_max_age: int
    stale_while_revalidate: int
    stale_if_error: int
    archive_page_items: int
    tombstone_days: int
    publish_guard_share: float


def _feeds(r: Reader, slugs: set[str]) -> _Feeds:
    """`[feeds]` (formats are read earlier, with the other lists)."""
    return _Feeds(
        items=r.integer("feeds.items", 50, low=1, high=1000),
        max_bytes=r.integer("feeds.max_bytes", 1_000_000, low=10_000),
        combos=read_combos(r, slugs),
        rss_pubdate=r.choice("feeds.rss_pubdate", "published", ("published", "updated")),
        cache_max_age=r.integer("feeds.cache_max_age", 300, low=0),
        stale_while_revalidate=r.integer("feeds.stale_while_revalidate", 60, low=0),
        stale_if_error=r.integer("feeds.stale_if_error", 86400, low=0),
        archive_page_items=r.integer("feeds.archive_page_items", 100, low=1),
        tombstone_days=r.integer("feeds.tombstone_days", 7, low=0),
        publish_guard_share=r.number("feeds.publish_guard_share", 0.5, low=0.0, high=1.0),
    )
