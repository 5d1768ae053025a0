"""The article a page describes in JSON-LD (schema.org NewsArticle and kin), as PageFields."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator

from lxml import html as lxml_html

from sources.html.fields import PageFields, squash

ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
    }
)
Node = dict[str, object]


def jsonld_article(doc: lxml_html.HtmlElement) -> tuple[PageFields, tuple[str, ...]]:
    """The first article node's fields and its paywalled parts' CSS selectors."""
    nodes = list(_nodes_in(doc))
    index = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    for node in nodes:
        if _types(node) & ARTICLE_TYPES:
            return _fields(node, index), _paywalled(node)
    return PageFields(), ()


def _nodes_in(doc: lxml_html.HtmlElement) -> Iterator[Node]:
    """Every node of every parseable JSON-LD block; a broken block is skipped, not fatal."""
    for script in doc.xpath("//script[@type]"):
        if script.get("type", "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        yield from _flatten(data)


def _flatten(data: object) -> Iterator[Node]:
    """Nodes of a JSON-LD value: lists and @graph opened, one level at a time."""
    stack = [data]
    while stack:
        value = stack.pop(0)
        if isinstance(value, list):
            stack[:0] = value
        elif isinstance(value, dict):
            yield value
            if "@graph" in value:
                stack[:0] = [value["@graph"]]


def _types(node: Node) -> set[str]:
    """A node's @type values (one string or a list)."""
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v for v in values if isinstance(v, str)}


def _fields(node: Node, index: dict[object, Node]) -> PageFields:
    """An article node's fields, references (@id) resolved against the page's nodes."""
    image = _first(_resolve(node.get("image"), index))
    return PageFields(
        url=_url(node, index),
        title=_text(node.get("headline")) or _text(node.get("name")),
        # Headlines in JSON-LD are often entity-escaped ("AT&amp;T"): treat them as HTML.
        title_is_html=True,
        summary=_text(node.get("description")),
        body=_body(node.get("articleBody")),
        authors=_names(_resolve(node.get("author"), index)),
        section=_first_text(node.get("articleSection")),
        countries=_places(node, index),
        tags=_keywords(node.get("keywords")),
        published=_text(node.get("datePublished")),
        updated=_text(node.get("dateModified")),
        image=_image_url(image),
        image_width=_size(image, "width"),
        image_height=_size(image, "height"),
        caption=_text(image.get("caption")) if isinstance(image, dict) else None,
        credit=_credit(image, index),
        language=_text(node.get("inLanguage")),
    )


def _resolve(value: object, index: dict[object, Node]) -> list[object]:
    """A value as a list, each {"@id": …} reference replaced by the node it names."""
    values = value if isinstance(value, list) else [] if value is None else [value]
    return [index.get(v["@id"], v) if isinstance(v, dict) and "@id" in v else v for v in values]


def _first(values: list[object]) -> object:
    """The first value, or None."""
    return values[0] if values else None


def _text(value: object) -> str | None:
    """A plain string value, whitespace squashed; anything else is None."""
    return squash(value) if isinstance(value, str) else None


def _first_text(value: object) -> str | None:
    """A string, or the first string of a list."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    return _text(value)


def _name(value: object) -> str | None:
    """A string, or the name of a Person/Organization/Place node."""
    return _text(value.get("name")) if isinstance(value, dict) else _text(value)


def _names(values: list[object]) -> tuple[str, ...]:
    """The names among values, in order."""
    return tuple(name for name in map(_name, values) if name)


def _url(node: Node, index: dict[object, Node]) -> str | None:
    """The article's canonical URL: url, else mainEntityOfPage (a URL or a WebPage node)."""
    main = _first(_resolve(node.get("mainEntityOfPage"), index))
    if isinstance(main, dict):
        main = main.get("url") or main.get("@id")
    return _text(node.get("url")) or _text(main)


def _places(node: Node, index: dict[object, Node]) -> tuple[str, ...]:
    """Places the article is about: names, or the addressCountry of an address."""
    names: list[str] = []
    for key in ("contentLocation", "spatialCoverage"):
        for place in _resolve(node.get(key), index):
            address = place.get("address") if isinstance(place, dict) else None
            country = address.get("addressCountry") if isinstance(address, dict) else None
            name = _name(country) or _name(place)
            if name and name not in names:
                names.append(name)
    return tuple(names)


def _keywords(value: object) -> tuple[str, ...]:
    """keywords: a list, or one comma-separated string."""
    values = value if isinstance(value, list) else str(value).split(",") if value else []
    return tuple(k for k in (_text(v) for v in values) if k)


def _image_url(image: object) -> str | None:
    """An image given as a URL or an ImageObject (url or contentUrl)."""
    if isinstance(image, dict):
        return _text(image.get("url")) or _text(image.get("contentUrl"))
    return _text(image)


def _size(image: object, key: str) -> str | None:
    """width/height: a number, text, or a QuantitativeValue."""
    value = image.get(key) if isinstance(image, dict) else None
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return _text(value)


def _credit(image: object, index: dict[object, Node]) -> str | None:
    """Who to credit for an image: creditText, else copyrightHolder or author's name."""
    if not isinstance(image, dict):
        return None
    for key in ("creditText", "copyrightHolder", "author"):
        name = _name(_first(_resolve(image.get(key), index)))
        if name:
            return name
    return None


def _body(value: object) -> str | None:
    """articleBody is plain text: escape it, one paragraph per line."""
    lines = [squash(line) for line in value.splitlines()] if isinstance(value, str) else []
    paragraphs = [f"<p>{html.escape(line, quote=False)}</p>" for line in lines if line]
    return "".join(paragraphs) or None


def _paywalled(node: Node) -> tuple[str, ...]:
    """CSS selectors of parts marked isAccessibleForFree=false (Google's paywall markup)."""
    found = []
    for part in _resolve(node.get("hasPart"), {}):
        if not isinstance(part, dict):
            continue
        free = str(part.get("isAccessibleForFree", "true")).strip().lower()
        selector = part.get("cssSelector")
        if free == "false" and isinstance(selector, str):
            found.append(selector)
    return tuple(found)
