"""A publisher's existing feed item as `adopt` reads it: its identity exactly as served."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LegacyFormat = Literal["rss", "atom", "json"]


@dataclass(frozen=True, slots=True)
class LegacyItem:
    """One item of a legacy feed: the id as served, its links and its dates (text, unparsed)."""

    format: LegacyFormat
    legacy_id: str
    is_permalink: bool | None = None  # RSS only: the guid's isPermaLink as served
    link: str | None = None
    shortlink: str | None = None
    published: str | None = None
    updated: str | None = None


@dataclass(frozen=True, slots=True)
class LegacyPage:
    """One fetched document of a legacy feed: its items and the pages it links to."""

    format: LegacyFormat
    items: tuple[LegacyItem, ...]
    more: tuple[str, ...] = ()  # RFC 5005 prev-archive, paged-feed next, JSON Feed next_url
    skipped: int = 0  # items without any id or link


# Article.extra names of the ids an adopted article carries per format (feeds/intake sets
# them at its first sight, feeds/render serves them); an article without them has its guid.
FORMAT_ID = {"rss": "id.rss", "atom": "id.atom", "json": "id.json"}
RSS_PERMALINK = "id.rss.permalink"  # "true" when the legacy guid was a permalink
# An article published before the cut-over that no adopted item matched: in no feed until
# `adopt --include-unmatched`, since every reader would show it as new
WITHHELD = "withheld"


def partner_extra(partner: str, name: str) -> str:
    """The Article.extra name of a partner's legacy id (`adopt --partner ID`)."""
    return f"partner.{partner}.{name}"


def for_partner(extra: tuple[tuple[str, str], ...], partner: str) -> tuple[tuple[str, str], ...]:
    """An article's extra as a partner's feeds serve it: that partner's legacy ids first."""
    prefix = f"partner.{partner}."
    own = [(k.removeprefix(prefix), v) for k, v in extra if k.startswith(prefix)]
    if not own:
        return extra
    names = {k for k, _ in own}
    return (*own, *((k, v) for k, v in extra if k not in names and not k.startswith("partner.")))


def extra_value(extra: tuple[tuple[str, str], ...], name: str) -> str | None:
    """The value an Article.extra holds under a name, or None."""
    return next((v for k, v in extra if k == name), None)
