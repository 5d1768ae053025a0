"""Plain settings the composition root hands to sources and normalization."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from sources.model.rights import Rights


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One configured source, validated."""

    id: str
    kind: str
    url: str
    interval_seconds: int
    section: str
    countries: tuple[str, ...] = ()
    timezone: str = "UTC"
    language: str | None = None
    authors: tuple[str, ...] = ()
    rights: Rights = "full"
    images: bool = True
    id_pattern: str | None = None
    authoritative: bool = False
    # kind-specific settings (page/sitemap selectors, patterns, listing …)
    options: MappingProxyType[str, object] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How politely and how defensively upstreams are fetched."""

    timeout_seconds: float = 10.0
    deadline_seconds: float = 30.0
    max_bytes: int = 10_000_000
    max_entries: int = 500
    host_gap_seconds: float = 1.0
    backoff_max_seconds: int = 6 * 3600
    user_agent: str = "newsfeeds/0.1 (+https://example.com/contact)"
    permanent_redirect_polls: int = 3
    gone_polls: int = 3


@dataclass(frozen=True, slots=True)
class NormalizeSettings:
    """Bounds and rules for normalization."""

    authority: str
    future_margin_seconds: int = 300
    title_max: int = 300
    summary_max: int = 2000
    max_content_bytes: int = 500_000
    max_html_depth: int = 200
    iframe_hosts: tuple[str, ...] = (
        "www.youtube.com",
        "www.youtube-nocookie.com",
        "player.vimeo.com",
    )
    # section slug -> aliases (lower-case, punctuation-insensitive match is done by taxonomy)
    section_aliases: MappingProxyType[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
