"""One article page's HTML to a raw item: JSON-LD, then meta tags, then the source's selectors."""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from sources.errors import NotAFeedError
from sources.html.body import article_body
from sources.html.fields import PageFields, merge, squash
from sources.html.jsonld import jsonld_article
from sources.html.meta import meta_fields
from sources.html.selectors import PageRules, parse_date, selector_fields
from sources.model.raw import RawImage, RawItem


def extract(source_id: str, page: bytes, url: str, rules: PageRules) -> RawItem:
    """The article on a page, each field from the most trusted layer that states it."""
    doc = _parse(page, url)
    ld, paywalled = jsonld_article(doc)
    by_selector = selector_fields(doc, rules, paywalled)
    chosen = merge(ld, meta_fields(doc), by_selector)
    if "body" in rules.selectors:
        body = _worth_keeping(by_selector.body, chosen)
    else:
        body = _worth_keeping(article_body(doc, paywalled) or ld.body, chosen)
    base = _base(doc, url)
    return RawItem(
        source_id=source_id,
        url=chosen.url or url,
        title=chosen.title,
        title_is_html=chosen.title_is_html,
        summary=chosen.summary,
        content=body,
        content_base=base if body else None,
        authors=chosen.authors,
        categories=chosen.tags,
        countries=chosen.countries,
        section=chosen.section,
        published=parse_date(chosen.published, rules.date_format),
        updated=parse_date(chosen.updated, rules.date_format),
        images=_images(chosen),
        language=chosen.language,
        base_url=base,
    )


def _parse(page: bytes, url: str) -> lxml_html.HtmlElement:
    """Parse HTML bytes (the parser honours <meta charset>); an empty page is an error."""
    try:
        return lxml_html.document_fromstring(page)
    except (etree.ParserError, ValueError) as exc:
        raise NotAFeedError(f"{url} is not an HTML page ({exc})") from exc


def _worth_keeping(body: str | None, chosen: PageFields) -> str | None:
    """A body that says more than the title or summary (not a paywall teaser), else None.

    The body comes from the source's body selector if it has one, else from the page's own
    markup, and only then from JSON-LD's plain-text articleBody, which lost its links.
    """
    if body is None:
        return None
    text = squash(lxml_html.fragment_fromstring(body, create_parent="div").text_content())
    if not text or text == chosen.summary or text == chosen.title:
        return None
    return body


def _base(doc: lxml_html.HtmlElement, url: str) -> str:
    """The URL relative links resolve against: <base href> if the page sets one."""
    for base in doc.iter("base"):
        href = squash(base.get("href"))
        if href:
            return urljoin(url, href)
    return url


def _images(chosen: PageFields) -> tuple[RawImage, ...]:
    """The lead image with its caption and credit, if the page names one."""
    if not chosen.image:
        return ()
    return (
        RawImage(
            url=chosen.image,
            width=chosen.image_width,
            height=chosen.image_height,
            caption=chosen.caption,
            credit=chosen.credit,
        ),
    )
