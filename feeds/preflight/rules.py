"""The checks partner rule packs are made of: each returns why an item (or feed) fails, or None.

Which partner asks for which, and where it says so: feeds/preflight/packs.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from feeds.catalog import FeedMeta
from feeds.partners import Partner
from sources.model.article import Article

_TAG = re.compile(r"</?[A-Za-z][^>]*>")


@dataclass(frozen=True, slots=True)
class Context:
    """What item and feed checks may look at besides the article."""

    now: datetime
    partner: Partner
    meta: FeedMeta
    hubs: tuple[str, ...]
    kept: int = 0  # items that passed every item rule (feed rules only)
    held: int = 0  # items held (feed rules only)


ItemCheck = Callable[[Article, Context], str | None]
FeedCheck = Callable[[Context], str | None]


@dataclass(frozen=True, slots=True)
class Rule:
    """One requirement of a partner's spec, as implemented here."""

    name: str
    check: ItemCheck
    what: str  # the requirement, as the partner states it (for docs and reports)


@dataclass(frozen=True, slots=True)
class FeedRule:
    """One feed-level requirement (it holds no item; it is reported)."""

    name: str
    check: FeedCheck
    what: str


def title_longer_than(n: int) -> ItemCheck:
    """The title has more than n characters."""

    def check(article: Article, _: Context) -> str | None:
        size = len(article.title.strip())
        return None if size > n else f"title has {size} characters, needs more than {n}"

    return check


def title_at_most(n: int) -> ItemCheck:
    """The title has at most n characters (there is no short title to fall back on)."""

    def check(article: Article, _: Context) -> str | None:
        size = len(article.title.strip())
        return (
            None if size <= n else f"title has {size} characters, at most {n} without a short title"
        )

    return check


def title_is_plain(article: Article, _: Context) -> str | None:
    """No HTML tags in the title."""
    m = _TAG.search(article.title)
    return None if m is None else f"title contains markup {m.group(0)[:40]!r}"


def has_body(article: Article, _: Context) -> str | None:
    """The full body is present (absent when missing upstream or cut by the source's rights)."""
    if article.content and article.content.strip():
        return None
    return "no full content (none upstream, or the source's rights allow only a summary)"


def published_in_past(article: Article, ctx: Context) -> str | None:
    """Published at or before now."""
    if article.published <= ctx.now:
        return None
    return f"published {article.published:%Y-%m-%dT%H:%M:%SZ} is in the future"


def published_within(days: int) -> ItemCheck:
    """Published less than `days` days ago."""

    def check(article: Article, ctx: Context) -> str | None:
        if article.published > ctx.now - timedelta(days=days):
            return None
        return f"published {article.published:%Y-%m-%d}, more than {days} days ago"

    return check


def https_link(article: Article, _: Context) -> str | None:
    """The article's link is https."""
    scheme = urlsplit(article.url).scheme
    return None if scheme == "https" else f"link is {scheme}, not https"


def has_image(article: Article, _: Context) -> str | None:
    """There is a lead image."""
    return None if article.image is not None else "no image"


def https_image(article: Article, _: Context) -> str | None:
    """The lead image, if any, is on https."""
    if article.image is None or urlsplit(article.image.url).scheme == "https":
        return None
    return "image is not on https"


def image_at_least(width: int, height: int) -> ItemCheck:
    """The lead image is at least width × height (its size must be known)."""

    def check(article: Article, _: Context) -> str | None:
        image = article.image
        if image is None:
            return None  # has_image says so, where the partner wants one
        if not image.width or not image.height:
            return "image-size-pending: the image's size is not known yet"
        if image.width >= width and image.height >= height:
            return None
        return f"image is {image.width}×{image.height}, needs at least {width}×{height}"

    return check


def site_is_https(ctx: Context) -> str | None:
    """site.base_url is https, so every feed URL is."""
    scheme = urlsplit(ctx.meta.base_url).scheme
    return None if scheme == "https" else f"site.base_url is {scheme}, not https"


def has_logo(ctx: Context) -> str | None:
    """The partner has a logo_url for the channel logo."""
    return None if ctx.partner.logo_url else "no logo_url: the channel logo is missing"


def description_at_most(n: int) -> FeedCheck:
    """The channel description has at most n characters."""

    def check(ctx: Context) -> str | None:
        size = len(ctx.meta.description)
        return None if size <= n else f"channel description has {size} characters, at most {n}"

    return check


def at_least_items(n: int) -> FeedCheck:
    """The feed serves at least n items after holding."""

    def check(ctx: Context) -> str | None:
        if ctx.kept >= n:
            return None
        why = f" ({ctx.held} held by preflight)" if ctx.held else ""
        return f"serves {ctx.kept} items{why}, needs at least {n}"

    return check


def has_hub(ctx: Context) -> str | None:
    """A WebSub hub is announced ([websub] hubs)."""
    return None if ctx.hubs else "no WebSub hub ([websub] hubs is empty)"
