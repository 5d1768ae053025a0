"""Load config.toml once into typed, frozen objects; report every bad key at once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feeds.catalog import FORMATS, ComboRule, Format
from scheduler.config.keys import KINDS, SCHEMA
from scheduler.config.reader import Reader
from scheduler.errors import ConfigError
from sources.model.spec import FetchSettings, NormalizeSettings, SourceSpec


@dataclass(frozen=True, slots=True)
class Section:
    """A newsroom section: its slug, title and the category labels that mean it."""

    slug: str
    title: str
    description: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Config:
    """The whole validated configuration."""

    path: Path
    site_title: str
    base_url: str
    authority: str
    language: str | None
    contact_url: str | None
    host: str
    port: int
    workers: int
    store_url: str
    min_interval_seconds: int
    jitter_seconds: int
    items: int
    max_bytes: int
    formats: tuple[Format, ...]
    combos: ComboRule
    rss_pubdate: str
    cache_max_age: int
    stale_while_revalidate: int
    stale_if_error: int
    archive_page_items: int
    tombstone_days: int
    publish_guard_share: float
    current_days: int
    archive_days: int
    hubs: tuple[str, ...]
    api_tokens_env: str
    api_max_body_bytes: int
    admin_token_env: str | None
    admin_loopback_only: bool
    log_format: str
    fetch: FetchSettings
    normalize: NormalizeSettings
    sections: tuple[Section, ...]
    sources: tuple[SourceSpec, ...]
    redirects: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # how long a poll lease lasts: a dead process's sources wait at most this long
    lease_seconds: int = 300

    def section(self, slug: str) -> Section | None:
        """The section with this slug, if configured."""
        return next((s for s in self.sections if s.slug == slug), None)


def load(path: str | Path) -> Config:
    """Read and validate a config file; raise ConfigError listing every problem."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError([f"{p}: no such config file"]) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{p}: not valid TOML: {exc}"]) from exc
    reader = Reader(data, SCHEMA)
    config = _build(p, reader)
    reader.check_unknown()
    if reader.errors:
        raise ConfigError(reader.errors)
    assert config is not None
    return config


def _build(path: Path, r: Reader) -> Config | None:
    """Turn raw TOML into Config, recording errors on the reader."""
    base_url = r.url("site.base_url", "http://127.0.0.1:8080").rstrip("/")
    authority = r.string("site.authority", urlsplit(base_url).hostname or "localhost")
    if not re.fullmatch(r"[A-Za-z0-9.-]+(@[A-Za-z0-9.-]+)?", authority):
        r.error("site.authority", authority, "must be a domain name or email address")
    sections = _sections(r)
    slugs = {s.slug for s in sections}
    aliases = MappingProxyType({s.slug: s.aliases for s in sections})
    min_interval = r.integer("scheduler.min_interval_seconds", 60, low=1)
    fetch = FetchSettings(
        timeout_seconds=r.number("fetch.timeout_seconds", 10.0, low=0.1),
        deadline_seconds=r.number("fetch.deadline_seconds", 30.0, low=0.1),
        max_bytes=r.integer("fetch.max_bytes", 10_000_000, low=1024),
        max_entries=r.integer("fetch.max_entries", 500, low=1),
        host_gap_seconds=r.number("fetch.host_gap_seconds", 1.0, low=0.0),
        backoff_max_seconds=r.integer("fetch.backoff_max_seconds", 6 * 3600, low=1),
        user_agent=r.string("fetch.user_agent", _user_agent(r)),
        permanent_redirect_polls=r.integer("fetch.permanent_redirect_polls", 3, low=1),
        gone_polls=r.integer("fetch.gone_polls", 3, low=1),
    )
    normalize = NormalizeSettings(
        authority=authority,
        future_margin_seconds=r.integer("normalize.future_margin_seconds", 300, low=0),
        title_max=r.integer("normalize.title_max", 300, low=10),
        summary_max=r.integer("normalize.summary_max", 2000, low=10),
        max_content_bytes=r.integer("normalize.max_content_bytes", 500_000, low=1000),
        max_html_depth=r.integer("normalize.max_html_depth", 200, low=4),
        iframe_hosts=r.strings(
            "normalize.iframe_hosts",
            ("www.youtube.com", "www.youtube-nocookie.com", "player.vimeo.com"),
        ),
        section_aliases=aliases,
    )
    sources = _sources(r, slugs, min_interval)
    current_days = r.integer("retention.current_days", 30, low=1)
    archive_days = r.integer("retention.archive_days", 3650, low=1)
    if archive_days < current_days:
        r.error(
            "retention.archive_days",
            archive_days,
            f"must be ≥ retention.current_days ({current_days})",
        )
    formats = r.strings("feeds.formats", FORMATS)
    for fmt in formats:
        if fmt not in FORMATS:
            r.error("feeds.formats", fmt, f"must be one of {', '.join(FORMATS)}")
    return Config(
        path=path,
        site_title=r.string("site.title", "newsfeeds"),
        base_url=base_url,
        authority=authority,
        language=r.optional_string("site.language", "en"),
        contact_url=r.optional_string("site.contact_url", None),
        host=r.string("server.host", "127.0.0.1"),
        port=r.integer("server.port", 8080, low=1, high=65535),
        workers=r.integer("server.workers", 1, low=1, high=64),
        store_url=r.string("store.url", "sqlite:///var/newsfeeds.db"),
        min_interval_seconds=min_interval,
        jitter_seconds=r.integer("scheduler.jitter_seconds", 10, low=0),
        items=r.integer("feeds.items", 50, low=1, high=1000),
        max_bytes=r.integer("feeds.max_bytes", 1_000_000, low=10_000),
        formats=tuple(f for f in formats if f in FORMATS),  # type: ignore[misc]
        combos=_combos(r),
        rss_pubdate=r.choice("feeds.rss_pubdate", "published", ("published", "updated")),
        cache_max_age=r.integer("feeds.cache_max_age", 300, low=0),
        stale_while_revalidate=r.integer("feeds.stale_while_revalidate", 60, low=0),
        stale_if_error=r.integer("feeds.stale_if_error", 86400, low=0),
        archive_page_items=r.integer("feeds.archive_page_items", 100, low=1),
        tombstone_days=r.integer("feeds.tombstone_days", 7, low=0),
        publish_guard_share=r.number("feeds.publish_guard_share", 0.5, low=0.0, high=1.0),
        current_days=current_days,
        archive_days=archive_days,
        hubs=tuple(r.url_list("websub.hubs")),
        api_tokens_env=r.string("api.tokens_env", "NEWSFEEDS_API_TOKENS"),
        api_max_body_bytes=r.integer("api.max_body_bytes", 1_000_000, low=1024),
        admin_token_env=r.optional_string("admin.token_env", None),
        admin_loopback_only=r.boolean("admin.loopback_only", False),
        log_format=r.choice("logging.format", "text", ("text", "json")),
        fetch=fetch,
        normalize=normalize,
        sections=sections,
        sources=sources,
        redirects=_redirects(r),
        lease_seconds=r.integer("scheduler.lease_seconds", 300, low=1),
    )


def _user_agent(r: Reader) -> str:
    contact = r.peek("site.contact_url") or r.peek("site.base_url") or "http://127.0.0.1:8080"
    return f"newsfeeds/0.1 (+{contact})"


def _combos(r: Reader) -> ComboRule:
    raw = r.raw("feeds.combos", "with-articles")
    try:
        if isinstance(raw, str) or (isinstance(raw, list) and all(isinstance(x, str) for x in raw)):
            return ComboRule.parse(raw)
        raise ValueError("must be 'with-articles', 'none' or a list of 'section/cc'")
    except ValueError as exc:
        r.error("feeds.combos", raw, str(exc))
        return ComboRule()


def _redirects(r: Reader) -> MappingProxyType[str, str]:
    out: dict[str, str] = {}
    for i, item in enumerate(r.table_list("redirects")):
        src = r.string(f"redirects[{i}].from", "", item=item)
        dst = r.string(f"redirects[{i}].to", "", item=item)
        if not src.startswith("/") or (dst and not dst.startswith("/")):
            r.error(f"redirects[{i}]", src, "from and to must be paths starting with /")
        out[src] = dst
    return MappingProxyType(out)


def _sections(r: Reader) -> tuple[Section, ...]:
    out: list[Section] = []
    for i, item in enumerate(r.table_list("sections")):
        key = f"sections[{i}]"
        slug = r.string(f"{key}.slug", "", item=item)
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
            r.error(f"{key}.slug", slug, "must be lower-case letters, digits and '-'")
        if any(s.slug == slug for s in out):
            r.error(f"{key}.slug", slug, "duplicate section slug")
        out.append(
            Section(
                slug=slug,
                title=r.string(f"{key}.title", slug.title(), item=item),
                description=r.string(f"{key}.description", "", item=item),
                aliases=r.strings(f"{key}.aliases", (), item=item),
            )
        )
    if not out:
        r.error("sections", [], "at least one [[sections]] entry is required")
    return tuple(out)


def _sources(r: Reader, slugs: set[str], min_interval: int) -> tuple[SourceSpec, ...]:
    out: list[SourceSpec] = []
    for i, item in enumerate(r.table_list("sources")):
        key = f"sources[{i}]"
        sid = r.string(f"{key}.id", "", item=item)
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", sid):
            r.error(f"{key}.id", sid, "must be letters, digits, '_', '.' or '-'")
        if any(s.id == sid for s in out):
            r.error(f"{key}.id", sid, "duplicate source id")
        if sid == "push":
            r.error(f"{key}.id", sid, "is reserved for the push API")
        kind = r.string(f"{key}.kind", "", item=item)
        if kind not in KINDS:
            r.error(f"{key}.kind", kind, f"unknown source kind; one of {', '.join(KINDS)}")
        url = r.string(f"{key}.url", "", item=item)
        if kind != "page" and not url:
            r.error(f"{key}.url", url, "is required")
        elif url and "://" in url and urlsplit(url).scheme not in ("http", "https"):
            r.error(f"{key}.url", url, "must be an http(s) URL or a local path")
        interval = r.integer(f"{key}.interval_seconds", 900, item=item)
        if interval < min_interval:
            r.error(
                f"{key}.interval_seconds",
                interval,
                f"must be ≥ scheduler.min_interval_seconds ({min_interval})",
            )
        section = r.string(f"{key}.section", "", item=item)
        if section not in slugs:
            r.error(f"{key}.section", section, "is not a configured [[sections]] slug")
        tz = r.string(f"{key}.timezone", "UTC", item=item)
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            r.error(f"{key}.timezone", tz, "is not a known IANA timezone")
        id_pattern = r.optional_string(f"{key}.id_pattern", None, item=item)
        if id_pattern is not None:
            try:
                re.compile(id_pattern)
            except re.error as exc:
                r.error(f"{key}.id_pattern", id_pattern, f"is not a valid regex: {exc}")
        out.append(
            SourceSpec(
                id=sid,
                kind=kind,
                url=url,
                interval_seconds=interval,
                section=section,
                countries=_countries(r, f"{key}.countries", item),
                timezone=tz,
                language=r.optional_string(f"{key}.language", None, item=item),
                authors=r.strings(f"{key}.authors", (), item=item),
                rights=r.choice(  # type: ignore[arg-type]
                    f"{key}.rights", "full", ("full", "summary", "link", "exclude"), item=item
                ),
                images=r.boolean(f"{key}.images", True, item=item),
                id_pattern=id_pattern,
                authoritative=r.boolean(f"{key}.authoritative", False, item=item),
                options=MappingProxyType(r.options(key, item)),
            )
        )
    return tuple(out)


def _countries(r: Reader, key: str, item: dict[str, Any]) -> tuple[str, ...]:
    values = r.strings(key, (), item=item)
    import pycountry  # local: only needed while validating config

    out = []
    for v in values:
        country = pycountry.countries.get(alpha_2=v.upper()) if len(v) == 2 else None
        if country is None:
            r.error(key, v, "must be ISO 3166-1 alpha-2 codes such as 'IN' or 'US'")
        else:
            out.append(country.alpha_2)
    return tuple(out)
