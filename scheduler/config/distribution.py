"""`[sitemaps]` and `[[partners]]` of config.toml: where articles are distributed, and how."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from feeds.build.newsmap import NewsSitemapSettings
from feeds.catalog import ComboRule, parse_name
from feeds.partners import FEEDLESS, PARTNER_FORMATS, PROFILES, Partner
from scheduler.config.reader import Reader
from scheduler.config.source_entries import labels
from sources.normalize.urls import is_web_url

_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def read_distribution(
    r: Reader, site_title: str, slugs: set[str], combos: ComboRule, env: Mapping[str, str]
) -> dict[str, Any]:
    """`[sitemaps]` and `[[partners]]`, as the Config fields of the same names."""
    return {
        "sitemaps": read_sitemaps(r, site_title),
        "partners": read_partners(r, slugs, combos, env),
    }


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


_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


def read_partners(
    r: Reader, slugs: set[str], combos: ComboRule, env: Mapping[str, str]
) -> tuple[Partner, ...]:
    """Every [[partners]] entry; each problem names the partner by its id."""
    items = r.table_list("partners")
    names = r.labels["partners"] = labels(items, "id", _ID, "partners")
    out: list[Partner] = []
    for key, item in zip(names, items, strict=True):
        partner = _partner(r, key, item, slugs, combos, env)
        if any(p.id == partner.id for p in out):
            r.error(f"{key}.id", partner.id, "duplicate partner id")
        out.append(partner)
    return tuple(out)


def _partner(
    r: Reader,
    key: str,
    item: dict[str, Any],
    slugs: set[str],
    combos: ComboRule,
    env: Mapping[str, str],
) -> Partner:
    """One [[partners]] entry, every problem recorded under its name."""
    ident = r.string(f"{key}.id", "", item=item)
    if not _ID.fullmatch(ident):
        r.error(f"{key}.id", ident, "must be lower-case letters, digits and '-'")
    profile = r.choice(f"{key}.profile", "", PROFILES, item=item)
    feeds = r.strings(f"{key}.feeds", (), item=item)
    for feed in feeds:
        why = _unknown_feed(feed, slugs, combos)
        if why:
            r.error(f"{key}.feeds", feed, why)
    if profile in FEEDLESS and feeds:
        r.error(f"{key}.feeds", list(feeds), f"profile {profile!r} serves no feed")
    if profile not in FEEDLESS and not feeds:
        r.error(f"{key}.feeds", [], "must list at least one feed key, such as 'latest'")
    formats = r.strings(f"{key}.formats", ("rss",), item=item)
    for fmt in formats:
        if fmt not in PARTNER_FORMATS:
            r.error(f"{key}.formats", fmt, "must be rss or atom")
    auth_env = r.optional_string(f"{key}.auth_env", None, item=item)
    if auth_env is not None and not env.get(auth_env):
        r.error(f"{key}.auth_env", auth_env, "names an environment variable that is not set")
    logo_url = r.optional_string(f"{key}.logo_url", None, item=item)
    if logo_url is not None and not is_web_url(logo_url):
        r.error(f"{key}.logo_url", logo_url, "must be an absolute http(s) URL")
    return Partner(
        id=ident,
        profile=profile,  # type: ignore[arg-type]
        feeds=tuple(dict.fromkeys(feeds)),
        formats=tuple(f for f in dict.fromkeys(formats) if f in PARTNER_FORMATS),  # type: ignore[misc]
        auth_env=auth_env,
        logo_url=logo_url,
    )


def _unknown_feed(feed: str, slugs: set[str], combos: ComboRule) -> str | None:
    """Why a feed key names no feed this config can have; None when it can."""
    key = parse_name(feed)
    if key is None:
        return "is not a feed key (latest, section/world, country/in, section/world/in)"
    if key.section is not None and key.section not in slugs:
        return f"names section {key.section!r}, which is not configured"
    if key.section and key.country and not combos.allows(key.section, key.country):
        return "is a section×country feed that [feeds] combos does not make"
    return None
