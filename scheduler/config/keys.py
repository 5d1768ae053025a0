"""The config keys that exist, by table; any other key is an error."""

from __future__ import annotations

from sources.kinds import EVERY_OPTION

SCHEMA: dict[str, tuple[str, ...]] = {
    "site": ("title", "base_url", "authority", "language", "contact_url"),
    "server": ("host", "port", "workers"),
    "store": ("url",),
    "scheduler": ("min_interval_seconds", "jitter_seconds", "lease_seconds"),
    "feeds": (
        "items",
        "max_bytes",
        "formats",
        "combos",
        "rss_pubdate",
        "cache_max_age",
        "stale_while_revalidate",
        "stale_if_error",
        "archive_page_items",
        "tombstone_days",
        "publish_guard_share",
    ),
    "fetch": (
        "timeout_seconds",
        "deadline_seconds",
        "max_bytes",
        "max_entries",
        "host_gap_seconds",
        "backoff_max_seconds",
        "user_agent",
        "permanent_redirect_polls",
        "gone_polls",
    ),
    "normalize": (
        "future_margin_seconds",
        "title_max",
        "summary_max",
        "max_content_bytes",
        "max_html_depth",
        "iframe_hosts",
    ),
    "retention": ("current_days", "archive_days"),
    "websub": ("hubs",),
    "api": ("tokens_env", "max_body_bytes"),
    "admin": ("token_env", "loopback_only"),
    "logging": ("format",),
    "sections": ("slug", "title", "description", "aliases"),
    "sources": (
        "id",
        "kind",
        "url",
        "interval_seconds",
        "section",
        "countries",
        "timezone",
        "language",
        "authors",
        "rights",
        "images",
        "id_pattern",
        "authoritative",
        *EVERY_OPTION,
    ),
    "redirects": ("from", "to"),
}
ARRAYS = ("sections", "sources", "redirects")
