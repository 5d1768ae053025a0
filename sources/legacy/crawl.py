"""Read one legacy feed page by page: RFC 5005 archives, paged feeds and WordPress `?paged=N`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from sources.errors import HttpStatusError, NotAFeedError, SourceError
from sources.legacy.parse import parse_legacy
from sources.model.legacy import LegacyFormat, LegacyItem
from sources.model.spec import FetchSettings
from sources.net.fetch import fetch

# A guessed `?paged=N` page that is not there ends the run; it is no failure of the feed
_NO_PAGE = frozenset({404, 410})


@dataclass(slots=True)
class LegacyFeed:
    """Every item one legacy feed served, across its pages, each (format, id) once."""

    url: str
    format: LegacyFormat | None = None
    items: list[LegacyItem] = field(default_factory=list)
    pages: int = 0
    skipped: int = 0


def paged_url(url: str, n: int) -> str:
    """The WordPress-style page `n` of a feed URL (`?paged=n`, other parameters kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "paged"]
    query.append(("paged", str(n)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def read_feed(url: str, settings: FetchSettings, *, pages: int, now: datetime) -> LegacyFeed:
    """Up to `pages` documents of a legacy feed; SourceError says why it cannot be adopted."""
    feed = LegacyFeed(url)
    seen_ids: set[tuple[str, str]] = set()
    seen_urls = {url}
    queue: list[tuple[str, bool]] = [(url, False)]  # (page URL, only guessed)
    guess, linked = 2, False
    while queue and feed.pages < pages:
        page_url, guessed = queue.pop(0)
        try:
            got = fetch(page_url, settings, now=now)
        except HttpStatusError as exc:
            if guessed and exc.status in _NO_PAGE:
                break
            raise
        page = parse_legacy(got.body, got.final_url)
        if len(page.items) > settings.max_entries:
            raise SourceError(
                f"{page_url}: more than fetch.max_entries ({settings.max_entries}) items"
            )
        if feed.format not in (None, page.format):
            raise NotAFeedError(f"{page_url} is {page.format}, the feed's first page {feed.format}")
        feed.format, feed.pages, feed.skipped = (
            page.format,
            feed.pages + 1,
            feed.skipped + page.skipped,
        )
        fresh = [i for i in page.items if (i.format, i.legacy_id) not in seen_ids]
        seen_ids.update((i.format, i.legacy_id) for i in fresh)
        feed.items.extend(fresh)
        links = [urljoin(got.final_url, m) for m in page.more]
        links = [m for m in links if m not in seen_urls and _is_web(m)]
        seen_urls.update(links)
        queue.extend((m, False) for m in links)
        linked = linked or bool(page.more)
        if not queue and fresh and not linked and _is_web(url):
            # no link to older items: try the next WordPress page, until one is missing
            queue.append((paged_url(url, guess), True))
            guess += 1
    if not feed.items:
        raise SourceError(f"{url}: no item with an id or a link, nothing to adopt")
    return feed


def _is_web(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("http", "https")
