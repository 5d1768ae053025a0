"""The one place a raw item meets today's normalization rules."""

from __future__ import annotations

from datetime import datetime

from sources.errors import SourceError
from sources.model.article import Article
from sources.model.raw import RawItem
from sources.model.spec import NormalizeSettings, SourceSpec
from sources.normalize import normalize


def article_of(
    raw: RawItem,
    source: SourceSpec,
    settings: NormalizeSettings,
    *,
    now: datetime,
    first_seen: datetime | None = None,
) -> Article | str:
    """The Article a raw item makes, or (a str) the reason it cannot be one."""
    try:
        return normalize(raw, source, settings, now=now, first_seen=first_seen)
    except SourceError as exc:
        return str(exc)
