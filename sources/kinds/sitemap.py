"""The `sitemap` kind: a (news) sitemap or a sitemap index, each listed page extracted.

The memo keeps {article URL: its lastmod (or news:publication_date)}: a page is fetched
when its URL is new or that date changed, and URLs gone from the sitemap are forgotten.
What the sitemap says (news:title, news:publication_date, news:keywords, the image)
fills the fields the page itself leaves empty.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from types import MappingProxyType

import requests
from lxml import etree

from sources.errors import FetchError, NotAFeedError, SourceError
from sources.kinds.base import CollectContext, Collected, unchanged
from sources.kinds.page import PageReader
from sources.model.raw import RawImage, RawItem
from sources.model.spec import SourceSpec
from sources.model.state import SourceState
from sources.net.fetch import fetch
from sources.net.validators import Validators, fetch_since
from sources.net.watched import new_session

MAX_CHILD_SITEMAPS = 50
# No entities, no DTD, no network, no multi-gigabyte trees: a sitemap is plain data.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, remove_pis=True
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One <url> of a sitemap, with its Google News and image extensions."""

    loc: str
    lastmod: str | None = None
    published: str | None = None
    title: str | None = None
    keywords: tuple[str, ...] = ()
    language: str | None = None
    image: str | None = None

    @property
    def version(self) -> str:
        """What changes when the page changes: lastmod, else the publication date."""
        return self.lastmod or self.published or ""


def collect(source: SourceSpec, state: SourceState, ctx: CollectContext) -> Collected:
    """Fetch the sitemap (and its children) and the pages that are new or changed."""
    with new_session() as session:
        reader = PageReader(source, ctx, session)
        stored = Validators(state.etag, state.last_modified)
        got = fetch_since(state.url, ctx.fetch, stored, now=ctx.now, session=session)
        if got.status == 304:
            return unchanged(got, permanent_redirect=got.permanent_redirect)
        entries = _listed(got.body, got.final_url, reader, ctx, session)
        items, memo, notes, tried = _read_changed(entries, reader, state, ctx)
    if tried and len(notes) == tried:
        raise FetchError(f"none of the {len(notes)} pages could be read; first: {notes[0]}")
    return Collected(
        items=tuple(items),
        memo=MappingProxyType(memo),
        notes=tuple(notes),
        warning=f"{len(notes)} pages could not be read" if notes else None,
        etag=got.etag,
        last_modified=got.last_modified,
        permanent_redirect=got.permanent_redirect,
    )


def _listed(
    body: bytes, url: str, reader: PageReader, ctx: CollectContext, session: requests.Session
) -> list[Entry]:
    """The <url> entries of a sitemap, or of every sitemap an index lists."""
    root = parse_sitemap(body, url, ctx.fetch.max_bytes)
    if _local(root) == "urlset":
        return entries(root)
    found: list[Entry] = []
    for child in _locs(root, "sitemap")[:MAX_CHILD_SITEMAPS]:
        if not reader.allowed(child):
            continue
        got = fetch(child, ctx.fetch, now=ctx.now, session=session)
        found.extend(entries(parse_sitemap(got.body, child, ctx.fetch.max_bytes)))
    return found


def _read_changed(
    entries: list[Entry], reader: PageReader, state: SourceState, ctx: CollectContext
) -> tuple[list[RawItem], dict[str, str], list[str], int]:
    """Read pages that are new or whose date moved; keep memo only for listed URLs."""
    items: list[RawItem] = []
    memo: dict[str, str] = {}
    notes: list[str] = []
    tried = 0
    for entry in entries:
        known = state.memo.get(entry.loc)
        if entry.loc in memo or known == entry.version or tried >= ctx.fetch.max_entries:
            if known is not None and entry.loc not in memo:
                memo[entry.loc] = known
            continue
        tried += 1
        try:
            read = reader.read(entry.loc)
        except SourceError as exc:
            notes.append(f"skipped:{entry.loc}:{exc}")
            if known is not None:
                memo[entry.loc] = known
            continue
        memo[entry.loc] = entry.version
        if read.item is not None:
            items.append(_with_hints(read.item, entry))
    return items, memo, notes, tried


def parse_sitemap(body: bytes, url: str, max_bytes: int) -> etree._Element:
    """A sitemap's root element (gzip allowed), parsed without entities or network."""
    if body[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(wbits=31)
        body = inflater.decompress(body, max_bytes)
        if inflater.unconsumed_tail:
            raise FetchError(f"{url}: gzipped sitemap inflates past max_bytes ({max_bytes})")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise NotAFeedError(f"{url} is not a sitemap: {exc}") from exc
    if root is None or _local(root) not in ("urlset", "sitemapindex"):
        raise NotAFeedError(f"{url} is not a sitemap (no <urlset> or <sitemapindex>)")
    return root


def _local(element: etree._Element) -> str:
    """An element's name without its namespace (sitemaps come with several)."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _child_text(element: etree._Element, *path: str) -> str | None:
    """Text of the first descendant along a path of local names, whitespace squashed."""
    current: etree._Element | None = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c) == name), None)
    if current is not None and len(current):
        return None  # a text field with children holds entity references: never expanded
    text = " ".join((current.text or "").split()) if current is not None else ""
    return text or None


def _locs(root: etree._Element, kind: str) -> list[str]:
    """The <loc> of each <sitemap> (or <url>) child."""
    return [loc for c in root if _local(c) == kind and (loc := _child_text(c, "loc"))]


def entries(root: etree._Element) -> list[Entry]:
    """The entries of a <urlset> (Sitemaps 0.9, Google News and image extensions)."""
    entries = []
    for url in (c for c in root if _local(c) == "url"):
        loc = _child_text(url, "loc")
        if not loc:
            continue
        keywords = _child_text(url, "news", "keywords") or ""
        entries.append(
            Entry(
                loc=loc,
                lastmod=_child_text(url, "lastmod"),
                published=_child_text(url, "news", "publication_date"),
                title=_child_text(url, "news", "title"),
                keywords=tuple(k.strip() for k in keywords.split(",") if k.strip()),
                language=_child_text(url, "news", "publication", "language"),
                image=_child_text(url, "image", "loc"),
            )
        )
    return entries


def _with_hints(item: RawItem, entry: Entry) -> RawItem:
    """Fill what the page left empty with what the sitemap says about it."""
    return replace(
        item,
        title=item.title or entry.title,
        title_is_html=item.title_is_html if item.title else False,
        published=item.published or entry.published,
        updated=item.updated or entry.lastmod,
        categories=item.categories or entry.keywords,
        language=item.language or entry.language,
        images=item.images or ((RawImage(url=entry.image),) if entry.image else ()),
    )
