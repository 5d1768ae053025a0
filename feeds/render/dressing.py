"""A partner profile's extra elements, added to a rendered RSS or Atom document (pure).

The document is rendered by the same functions as the public feeds; this adds what only a
partner asks for, deterministically: SmartFormat's `snf:logo` (namespace
http://www.smartnews.be/snf) and a `media:thumbnail` per item with its size where known.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from feeds.catalog import Format
from feeds.partners import Dressing
from feeds.render.fields import clean
from feeds.render.xmlfix import ATOM, MEDIA
from sources.model.article import Article

SNF = "http://www.smartnews.be/snf"


def dress(fmt: Format, body: bytes, articles: Sequence[Article], dressing: Dressing) -> bytes:
    """The document with the profile's elements added; unchanged when it adds none."""
    if not (dressing.thumbnails or dressing.snf_logo) or fmt not in ("rss", "atom"):
        return body
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(body, parser)
    root = _with_namespaces(root, dressing)
    head = root.find("channel") if fmt == "rss" else root
    assert head is not None, "the renderers always write a channel"
    items = head.findall("item") if fmt == "rss" else root.findall(f"{{{ATOM}}}entry")
    if dressing.snf_logo:
        logo = etree.Element(f"{{{SNF}}}logo")
        etree.SubElement(logo, f"{{{SNF}}}url").text = clean(dressing.snf_logo)
        _insert_before_items(head, logo, items)
    if dressing.thumbnails:
        for item, article in zip(items, articles, strict=False):
            _thumbnail(item, article)
    return _prolog(body) + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def _with_namespaces(root: etree._Element, dressing: Dressing) -> etree._Element:
    """A copy of the root declaring media and snf, so each is declared once, at the top."""
    nsmap = dict(root.nsmap)
    nsmap.setdefault("media", MEDIA)
    if dressing.snf_logo:
        nsmap["snf"] = SNF
    if nsmap == root.nsmap:
        return root
    new = etree.Element(root.tag, dict(root.attrib), nsmap=nsmap)  # type: ignore[arg-type,misc]
    new.text = root.text
    new.extend(list(root))
    return new


def _insert_before_items(
    head: etree._Element, element: etree._Element, items: list[etree._Element]
) -> None:
    """Channel-level elements go before the first item (RSS readers expect them there)."""
    if items:
        head.insert(head.index(items[0]), element)
    else:
        head.append(element)


def _thumbnail(item: etree._Element, article: Article) -> None:
    """media:thumbnail of the lead image (Media RSS 1.5.1), with width and height if known."""
    if article.image is None:
        return
    attrs = {"url": clean(article.image.url)}
    if article.image.width:
        attrs["width"] = str(article.image.width)
    if article.image.height:
        attrs["height"] = str(article.image.height)
    etree.SubElement(item, f"{{{MEDIA}}}thumbnail", attrs)


def _prolog(body: bytes) -> bytes:
    """The original XML declaration and processing instructions, kept byte for byte."""
    end = body.find(b"<rss")
    if end == -1:
        end = body.find(b"<feed")
    return body[:end] if end > 0 else b'<?xml version="1.0" encoding="UTF-8"?>\n'
