"""What a page's head says about its article: OpenGraph, article:* and plain meta tags."""

from __future__ import annotations

from lxml import html as lxml_html

from sources.html.fields import PageFields, squash

Meta = dict[str, list[str]]


def meta_fields(doc: lxml_html.HtmlElement) -> PageFields:
    """OpenGraph (ogp.me), article:* and name= meta tags, canonical link and html@lang."""
    meta = _meta(doc)
    return PageFields(
        url=_canonical(doc) or _one(meta, "og:url"),
        title=_one(meta, "og:title", "twitter:title"),
        summary=_one(meta, "og:description", "description", "twitter:description"),
        authors=_authors(meta),
        section=_one(meta, "article:section"),
        tags=_all(meta, "article:tag") or _split(_one(meta, "keywords", "news_keywords")),
        published=_one(meta, "article:published_time", "datepublished", "pubdate"),
        updated=_one(meta, "article:modified_time", "og:updated_time", "datemodified"),
        image=_one(meta, "og:image", "og:image:url", "og:image:secure_url", "twitter:image"),
        image_width=_one(meta, "og:image:width"),
        image_height=_one(meta, "og:image:height"),
        language=squash(doc.get("lang")) or _one(meta, "og:locale"),
    )


def _meta(doc: lxml_html.HtmlElement) -> Meta:
    """Meta tag contents by property, name or itemprop (lower case), in document order."""
    found: Meta = {}
    for tag in doc.iter("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        content = squash(tag.get("content"))
        if key and content:
            found.setdefault(key.strip().lower(), []).append(content)
    return found


def _one(meta: Meta, *keys: str) -> str | None:
    """The first value of the first key present."""
    for key in keys:
        if key in meta:
            return meta[key][0]
    return None


def _all(meta: Meta, *keys: str) -> tuple[str, ...]:
    """Every value of the first key present (article:tag and article:author repeat)."""
    for key in keys:
        if key in meta:
            return tuple(dict.fromkeys(meta[key]))
    return ()


def _authors(meta: Meta) -> tuple[str, ...]:
    """Author names; article:author is often a profile URL, which is not a name."""
    values = [*meta.get("article:author", []), *meta.get("author", [])]
    return tuple(dict.fromkeys(v for v in values if not v.startswith(("http://", "https://"))))


def _split(value: str | None) -> tuple[str, ...]:
    """A comma-separated keywords value."""
    return tuple(k for k in (squash(v) for v in (value or "").split(",")) if k)


def _canonical(doc: lxml_html.HtmlElement) -> str | None:
    """<link rel="canonical" href> (RFC 6596)."""
    for link in doc.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            return squash(link.get("href"))
    return None
