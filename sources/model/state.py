"""Per-source state carried between polls (persisted by the archive, owned by no one here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class SourceState:
    """What a source remembers between polls: validators, health, memo of seen URLs."""

    source_id: str
    url: str  # current URL (may differ from config after a confirmed permanent redirect)
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    next_due: datetime | None = None
    retired: bool = False
    redirect_target: str | None = None  # permanent redirect seen, not yet confirmed
    redirect_count: int = 0
    gone_count: int = 0
    # kind-specific memory, e.g. {article URL: lastmod} for sitemaps, {file name: hash} for drops
    memo: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
