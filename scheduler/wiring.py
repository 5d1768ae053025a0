"""Turn the validated Config into the plain values each stage takes."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from feeds.catalog import parse_name
from feeds.http.app import ServeSettings
from feeds.intake import IntakeRules
from feeds.site import Site
from scheduler.config import Config


def site_of(cfg: Config) -> Site:
    """Publishing values."""
    return Site(
        title=cfg.site_title,
        base_url=cfg.base_url,
        authority=cfg.authority,
        language=cfg.language,
        items=cfg.items,
        max_bytes=cfg.max_bytes,
        formats=cfg.formats,
        rss_pubdate="updated" if cfg.rss_pubdate == "updated" else "published",
        hubs=cfg.hubs,
        tombstone_days=cfg.tombstone_days,
        archive_page_items=cfg.archive_page_items,
        cache_max_age=cfg.cache_max_age,
        publish_guard_share=cfg.publish_guard_share,
        current_days=cfg.current_days,
        section_titles=MappingProxyType({s.slug: s.title for s in cfg.sections}),
        section_descriptions=MappingProxyType({s.slug: s.description for s in cfg.sections}),
        rights=MappingProxyType({s.id: (s.rights, s.images) for s in cfg.sources}),
    )


def rules_of(cfg: Config) -> IntakeRules:
    """Intake values."""
    excluded = frozenset(s.id for s in cfg.sources if s.rights == "exclude")
    return IntakeRules(normalize=cfg.normalize, combos=cfg.combos, unpublished_sources=excluded)


def serve_settings_of(cfg: Config) -> ServeSettings:
    """HTTP values."""
    return ServeSettings(
        cache_max_age=cfg.cache_max_age,
        stale_while_revalidate=cfg.stale_while_revalidate,
        stale_if_error=cfg.stale_if_error,
        redirects=cfg.redirects,
    )


def current_feeds(cfg: Config) -> Callable[[str], bool]:
    """A predicate: does this feed still exist (its section is still configured)?"""
    slugs = {s.slug for s in cfg.sections}

    def is_current(name: str) -> bool:
        key = parse_name(name)
        if key is None:
            return False
        if key.section is not None and key.section not in slugs:
            return False
        return not (key.section and key.country and not cfg.combos.allows(key.section, key.country))

    return is_current


def configured_sources(cfg: Config) -> list[tuple[str, str, str]]:
    """(id, kind, url) of every configured source, for /status."""
    return [(s.id, s.kind, s.url) for s in cfg.sources]
