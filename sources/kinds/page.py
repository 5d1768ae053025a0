"""The `page` kind: article pages, listed in `options.urls` or linked from a listing page.

Only new or changed pages are fetched: the memo keeps {article URL: its validators}
("<etag>\\n<last-modified>"). A known page is re-requested with a conditional GET when
it sent validators, and not at all when it sent none, since nothing would tell us it
changed (a sitemap's lastmod does: use the sitemap kind for such sites). robots.txt is
honoured for every page. A page that cannot be read is skipped with a note; the poll
fails only when every page it tried failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
from lxml import etree
from lxml import html as lxml_html

from sources.errors import FetchError, SourceError
from sources.html.body import select
from sources.html.extract import extract
from sources.html.selectors import PageRules, rules_from
from sources.kinds import options
from sources.kinds.base import CollectContext, Collected, unchanged
from sources.model.raw import RawItem
from sources.model.spec import SourceSpec
from sources.model.state import SourceState
from sources.net.robots import Robots
from sources.net.validators import Validators, fetch_since
from sources.net.watched import new_session


@dataclass(frozen=True, slots=True)
class Read:
    """One article page read: its item (None when unchanged, 304) and its validators."""

    item: RawItem | None
    etag: str | None
    last_modified: str | None


class PageReader:
    """Fetches article pages for one poll: robots.txt first, then extraction."""

    def __init__(self, source: SourceSpec, ctx: CollectContext, session: requests.Session):
        self._source = source
        self._ctx = ctx
        self._session = session
        self._rules: PageRules = rules_from(source)
        self._robots = Robots(ctx.fetch, ctx.now, session)

    def allowed(self, url: str) -> bool:
        """True when robots.txt lets us fetch the URL."""
        return self._robots.allowed(url)

    def read(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Read:
        """Fetch and extract one page; a SourceError says why it could not be read."""
        if not self.allowed(url):
            raise SourceError(f"robots.txt disallows {url}")
        ctx = self._ctx
        stored = Validators(etag, last_modified)
        got = fetch_since(url, ctx.fetch, stored, now=ctx.now, session=self._session)
        if got.status == 304:
            return Read(None, got.etag, got.last_modified)
        item = extract(self._source.id, got.body, got.final_url, self._rules)
        return Read(item, got.etag, got.last_modified)


def collect(source: SourceSpec, state: SourceState, ctx: CollectContext) -> Collected:
    """Fetch the new and changed article pages of a page source."""
    listing, link_selector = options.listing(source)
    with new_session() as session:
        reader = PageReader(source, ctx, session)
        if link_selector is None:
            urls = options.page_urls(source)
            return read_pages(reader, [state.url] if urls is None else urls, state, ctx)
        url = listing or state.url
        if not reader.allowed(url):
            raise SourceError(f"robots.txt disallows the listing page {url}")
        stored = Validators(state.etag, state.last_modified)
        got = fetch_since(url, ctx.fetch, stored, now=ctx.now, session=session)
        if got.status == 304:
            return unchanged(got)
        links = listed_links(got.body, got.final_url, link_selector)
        pages = read_pages(reader, links, state, ctx)
        return Collected(
            items=pages.items,
            memo=pages.memo,
            notes=pages.notes,
            warning=pages.warning,
            etag=got.etag,
            last_modified=got.last_modified,
        )


def read_pages(
    reader: PageReader, urls: Sequence[str], state: SourceState, ctx: CollectContext
) -> Collected:
    """Read the new pages and the known ones that may have changed (conditional GET)."""
    items: list[RawItem] = []
    memo: dict[str, str] = {}
    notes: list[str] = []
    tried = 0
    for url in urls:
        known = state.memo.get(url)
        etag, last_modified = _validators(known)
        no_way_to_tell = known is not None and not (etag or last_modified)
        if no_way_to_tell or tried >= ctx.fetch.max_entries:
            if known is not None:
                memo[url] = known
            continue  # unchanged as far as anyone can tell, or left for the next poll
        tried += 1
        try:
            read = reader.read(url, etag, last_modified)
        except SourceError as exc:
            notes.append(f"skipped:{url}:{exc}")
            if known is not None:
                memo[url] = known
            continue
        memo[url] = f"{read.etag or ''}\n{read.last_modified or ''}"
        if read.item is not None:
            items.append(read.item)
    if tried and len(notes) == tried:
        raise FetchError(f"none of the {tried} pages could be read; first: {notes[0]}")
    warning = f"{len(notes)} of {tried} pages could not be read" if notes else None
    return Collected(
        items=tuple(items), memo=MappingProxyType(memo), notes=tuple(notes), warning=warning
    )


def listed_links(page: bytes, url: str, link_selector: str) -> list[str]:
    """Absolute http(s) article URLs a listing page links to, in order, without repeats."""
    try:
        doc = lxml_html.document_fromstring(page)
    except (etree.ParserError, ValueError) as exc:
        raise SourceError(f"listing page {url} is not HTML ({exc})") from exc
    links: dict[str, None] = {}
    for element in select(doc, link_selector):
        anchor = element if element.tag == "a" else element.find(".//a")
        href = anchor.get("href") if anchor is not None else None
        if not href:
            continue
        link = urldefrag(urljoin(url, href.strip())).url
        if urlsplit(link).scheme in ("http", "https"):
            links[link] = None
    return list(links)


def _validators(known: str | None) -> tuple[str | None, str | None]:
    """The ETag and Last-Modified kept in a memo value."""
    if not known:
        return None, None
    etag, _, last_modified = known.partition("\n")
    return etag or None, last_modified or None
