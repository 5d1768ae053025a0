"""Load config.toml once into typed, frozen objects; report every bad key at once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

from feeds.archive.pgconnect import StoreSettings
from feeds.catalog import FORMATS, ComboRule, Format
from feeds.http.protocol import HttpLimits
from sources.spec import FetchSettings, NormalizeSettings, SourceSpec

from . import config_net
from .config_feeds import Section, read_combos, read_sections
from .config_sources import read_sources
from .errors import ConfigError
from .paths import store_url
from .schema import SCHEMA, Reader

__all__ = ["Config", "Section", "load"]


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
    http_limits: HttpLimits = field(default_factory=HttpLimits)  # [server] limits
    store: StoreSettings = field(default_factory=StoreSettings)  # [store] timeouts

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
    sections = read_sections(r)
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
    sources = read_sources(r, slugs, min_interval, path.absolute().parent)
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
        store_url=store_url(
            r.string("store.url", "sqlite:///var/newsfeeds.db"), path.absolute().parent
        ),
        min_interval_seconds=min_interval,
        jitter_seconds=r.integer("scheduler.jitter_seconds", 10, low=0),
        items=r.integer("feeds.items", 50, low=1, high=1000),
        max_bytes=r.integer("feeds.max_bytes", 1_000_000, low=10_000),
        formats=tuple(f for f in formats if f in FORMATS),  # type: ignore[misc]
        combos=read_combos(r, slugs),
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
        http_limits=config_net.http_limits(r),
        store=config_net.store_settings(r),
    )


def _user_agent(r: Reader) -> str:
    contact = r.peek("site.contact_url") or r.peek("site.base_url") or "http://127.0.0.1:8080"
    return f"newsfeeds/0.1 (+{contact})"


def _redirects(r: Reader) -> MappingProxyType[str, str]:
    out: dict[str, str] = {}
    for i, item in enumerate(r.table_list("redirects")):
        src = r.string(f"redirects[{i}].from", "", item=item)
        dst = r.string(f"redirects[{i}].to", "", item=item)
        if not src.startswith("/") or (dst and not dst.startswith("/")):
            r.error(f"redirects[{i}]", src, "from and to must be paths starting with /")
        out[src] = dst
    return MappingProxyType(out)
