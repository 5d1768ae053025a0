"""The one currency between pipeline stages: a normalized, frozen Article."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    """Publication state of an article."""

    LIVE = "live"
    WITHDRAWN = "withdrawn"
    EMBARGOED = "embargoed"


@dataclass(frozen=True, slots=True)
class Image:
    """A lead image with what a reader needs to show and credit it."""

    url: str
    type: str | None = None
    width: int | None = None
    height: int | None = None
    caption: str | None = None
    credit: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """A normalized article: every date aware UTC, every URL absolute, text plain."""

    id: str
    guid: str
    url: str
    title: str
    summary: str
    content: str | None
    section: str
    published: datetime
    updated: datetime
    source_id: str
    raw_hash: str
    normalizer_version: int
    authors: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    image: Image | None = None
    language: str | None = None
    status: Status = Status.LIVE
    embargo_until: datetime | None = None
    upstream_id: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def is_live(self) -> bool:
        """True when the article may appear in feeds (embargo is checked by the caller)."""
        return self.status is Status.LIVE
