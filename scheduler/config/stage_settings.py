"""The tables read whole into one stage's settings: `[fetch]`, `[normalize]`, `[retention]`,
`[server]` with `[store]`, and `[api]` with `[admin]`."""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType
from typing import TypedDict

from feeds.archive.pgconnect import StoreSettings
from feeds.http.protocol import HttpLimits
from scheduler.config import limits
from scheduler.config.paths import store_url
from scheduler.config.reader import Reader
from scheduler.config.settings import AccessSettings, CdnConfig, Section
from scheduler.jobs.retention import RetentionSettings
from sources.model.spec import FetchSettings, NormalizeSettings


def read_fetch(r: Reader) -> FetchSettings:
    """`[fetch]`."""
    return FetchSettings(
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


def _user_agent(r: Reader) -> str:
    contact = r.peek("site.contact_url") or r.peek("site.base_url") or "http://127.0.0.1:8080"
    return f"newsfeeds/0.1 (+{contact})"


def read_normalize(r: Reader, authority: str, sections: tuple[Section, ...]) -> NormalizeSettings:
    """`[normalize]`, with the sections' aliases."""
    return NormalizeSettings(
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
        section_aliases=MappingProxyType({s.slug: s.aliases for s in sections}),
    )


def read_retention(r: Reader) -> RetentionSettings:
    """`[retention]`: the archive keeps articles at least as long as current feeds do."""
    current_days = r.integer("retention.current_days", 30, low=1)
    archive_days = r.integer("retention.archive_days", 3650, low=1)
    if archive_days < current_days:
        r.error(
            "retention.archive_days",
            archive_days,
            f"must be ≥ retention.current_days ({current_days})",
        )
    every = r.integer("retention.every_seconds", 3600, low=1)
    return RetentionSettings(current_days, archive_days, every_seconds=float(every))


class ServerFields(TypedDict):
    """The Config fields of `[server]` and `[store]`."""

    host: str
    port: int
    workers: int
    store_url: str
    http_limits: HttpLimits
    store: StoreSettings


def read_server(r: Reader, base: Path) -> ServerFields:
    """`[server]` host, port, workers and limits, `[store]` url (a SQLite path from the
    config's folder) and timeouts."""
    return ServerFields(
        host=r.string("server.host", "127.0.0.1"),
        port=r.integer("server.port", 8080, low=1, high=65535),
        workers=r.integer("server.workers", 1, low=1, high=64),
        store_url=store_url(r.string("store.url", "sqlite:///var/newsfeeds.db"), base),
        http_limits=limits.http_limits(r),
        store=limits.store_settings(r),
    )


def read_access(r: Reader) -> AccessSettings:
    """`[api]` and `[admin]`."""
    return AccessSettings(
        api_tokens_env=r.string("api.tokens_env", "NEWSFEEDS_API_TOKENS"),
        api_max_body_bytes=r.integer("api.max_body_bytes", 1_000_000, low=1024),
        admin_token_env=r.optional_string("admin.token_env", None),
        admin_loopback_only=r.boolean("admin.loopback_only", False),
    )


def read_cdn(r: Reader) -> CdnConfig | None:
    """`[cdn]`: None unless `purge_url` is set; its template may name {url}, {path}, {keys}."""
    url = r.optional_string("cdn.purge_url", None)
    method = r.string("cdn.purge_method", "POST")
    headers_env = r.optional_string("cdn.headers_env", None)
    settle = r.number("cdn.settle_seconds", 0.0, low=0.0, high=3600.0)
    if not re.fullmatch(r"[A-Z]+", method):
        r.error("cdn.purge_method", method, "must be an HTTP method in capitals (POST, PURGE …)")
    if not url:
        return None
    try:
        filled = url.format(url="", path="", keys="")
    except (KeyError, IndexError, ValueError):
        r.error("cdn.purge_url", url, "may only name {url}, {path} and {keys}")
        return None
    if not re.match(r"https?://[^/]", filled):
        r.error("cdn.purge_url", url, "must be an http(s) URL")
    return CdnConfig(url, method, headers_env, settle)
