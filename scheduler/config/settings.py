"""The composition root's own settings: where it runs, how it schedules, who may do what."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from feeds.archive.pgconnect import StoreSettings
from feeds.build.newsmap import FEED as NEWS_SITEMAP
from feeds.build.newsmap import NewsSitemapSettings
from feeds.catalog import parse_name
from feeds.http.app import ServeSettings
from feeds.http.protocol import HttpLimits
from feeds.intake import IntakeRules
from feeds.partners import Partner, split_doc_feed
from feeds.readers.runtime import AnalyticsSettings
from feeds.site import Site
from scheduler.jobs.retention import RetentionSettings
from sources.model.spec import FetchSettings, SourceSpec


@dataclass(frozen=True, slots=True)
class Section:
    """A newsroom section: its slug, title and the category labels that mean it."""

    slug: str
    title: str
    description: str
    aliases: tuple[str, ...]
    link: str | None = None  # the section's home page on the website: its feeds' channel link


@dataclass(frozen=True, slots=True)
class SchedulerSettings:
    """How polls are timed and leased (`[scheduler]`)."""

    min_interval_seconds: int = 60
    jitter_seconds: int = 10
    # how long a poll lease lasts: a dead process's sources wait at most this long
    lease_seconds: int = 300


@dataclass(frozen=True, slots=True)
class AccessSettings:
    """Where the push API's tokens and the operator pages' token come from (`[api]`, `[admin]`)."""

    api_tokens_env: str = "NEWSFEEDS_API_TOKENS"
    api_max_body_bytes: int = 1_000_000
    admin_token_env: str | None = None
    admin_loopback_only: bool = False


@dataclass(frozen=True, slots=True)
class CdnConfig:
    """`[cdn]`: purge changed documents before their WebSub pings."""

    purge_url: str
    purge_method: str = "POST"
    headers_env: str | None = None  # an environment variable of `Name: value` lines
    settle_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Config:
    """The whole validated configuration, one typed object per stage."""

    path: Path
    site: Site
    intake: IntakeRules
    serve: ServeSettings
    fetch: FetchSettings
    retention: RetentionSettings
    scheduler: SchedulerSettings
    access: AccessSettings
    host: str
    port: int
    workers: int
    store_url: str
    contact_url: str | None
    log_format: str
    sections: tuple[Section, ...]
    sources: tuple[SourceSpec, ...]
    http_limits: HttpLimits = field(default_factory=HttpLimits)  # [server] limits
    store: StoreSettings = field(default_factory=StoreSettings)  # [store] timeouts
    docroot: Path | None = None  # [publish] docroot: a folder nginx or a CDN serves
    cdn: CdnConfig | None = None  # [cdn], when purge_url is set
    sitemaps: NewsSitemapSettings | None = None  # [sitemaps]: the Google News sitemap
    analytics: AnalyticsSettings = field(default_factory=AnalyticsSettings)  # [analytics]
    partners: tuple[Partner, ...] = ()  # [[partners]]: partner profiles of feeds

    def partner(self, ident: str) -> Partner | None:
        """The partner with this id, if configured."""
        return next((p for p in self.partners if p.id == ident), None)

    def section(self, slug: str) -> Section | None:
        """The section with this slug, if configured."""
        return next((s for s in self.sections if s.slug == slug), None)

    def is_current(self, name: str) -> bool:
        """Does this feed still exist (its section, and its combo, still configured)?"""
        if name == NEWS_SITEMAP:
            return self.sitemaps is not None
        split = split_doc_feed(name)
        if split is not None:
            partner = self.partner(split[0])
            return partner is not None and split[1] in partner.feeds
        key = parse_name(name)
        if key is None:
            return False
        if key.section is not None and self.section(key.section) is None:
            return False
        combos = self.intake.combos
        return not (key.section and key.country and not combos.allows(key.section, key.country))

    def configured_feeds(self) -> list[str]:
        """Feeds that exist before any article: latest, each section, each listed combo."""
        combos = [f"section/{s}/{cc.lower()}" for s, cc in sorted(self.intake.combos.pairs)]
        return ["latest", *(f"section/{s.slug}" for s in self.sections), *combos]

    def configured_sources(self) -> list[tuple[str, str, str]]:
        """(id, kind, url) of every configured source, for /status."""
        return [(s.id, s.kind, s.url) for s in self.sources]
