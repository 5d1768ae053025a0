"""Prometheus metrics of the whole service, in one registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

POLLS = Counter(
    "newsfeeds_polls",
    "Source polls by source and outcome",
    ["source", "outcome"],
    registry=REGISTRY,
)
ARTICLES = Counter(
    "newsfeeds_articles_ingested",
    "Articles stored, by kind of change",
    ["change"],
    registry=REGISTRY,
)
REBUILDS = Counter("newsfeeds_feed_rebuilds", "Feeds rebuilt", registry=REGISTRY)
REBUILD_SECONDS = Histogram(
    "newsfeeds_rebuild_seconds", "Duration of one rebuild pass", registry=REGISTRY
)
DOCUMENTS_CHANGED = Counter(
    "newsfeeds_documents_changed", "Documents whose bytes changed", registry=REGISTRY
)
HTTP_RESPONSES = Counter(
    "newsfeeds_http_responses", "HTTP responses by status", ["status"], registry=REGISTRY
)
WEBSUB_PINGS = Counter(
    "newsfeeds_websub_pings", "WebSub publish pings by outcome", ["outcome"], registry=REGISTRY
)
GUARD_REFUSALS = Counter(
    "newsfeeds_publish_guard_refusals", "Rebuilds refused by the publish guard", registry=REGISTRY
)
PUSH_REQUESTS = Counter(
    "newsfeeds_push_requests", "Push API requests by status", ["status"], registry=REGISTRY
)
SOURCES_FAILING = Gauge(
    "newsfeeds_sources_failing", "Sources whose last poll failed", registry=REGISTRY
)
JOB_LAST_SUCCESS = Gauge(
    "newsfeeds_job_last_success_seconds",
    "When each non-polling job last ran successfully in this process (Unix time)",
    ["job"],
    registry=REGISTRY,
)
PARTNER_ITEMS_HELD = Gauge(
    "newsfeeds_partner_items_held",
    "Items held out of a partner's feeds by preflight, by partner and rule",
    ["partner", "rule"],
    registry=REGISTRY,
)
# bounded labels: family is a row of feeds/readers/consumers.toml or "other"; status is
# "200", "304" or "other" (never a label per path or per User-Agent string)
FEED_REQUESTS = Counter(
    "newsfeeds_feed_requests",
    "Feed document requests by consumer family and status",
    ["family", "status"],
    registry=REGISTRY,
)
FEED_SUBSCRIBERS = Gauge(
    "newsfeeds_feed_subscribers",
    "Subscribers consumers reported over the last day, by family",
    ["family"],
    registry=REGISTRY,
)
