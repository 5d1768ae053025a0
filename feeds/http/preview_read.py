"""Read a stored feed document back into the few fields its HTML preview shows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from lxml import etree
from lxml import html as lhtml

_ATOM = "{http://www.w3.org/2005/Atom}"
_MEDIA = "{http://search.yahoo.com/mrss/}"
# the stored bytes are ours, but they carry source text: never resolve anything
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True, slots=True)
class Entry:
    """One item as a reader shows it."""

    title: str
    url: str
    published: datetime | None
    summary: str
    image: str | None


@dataclass(frozen=True, slots=True)
class Shown:
    """A feed's description and items, whichever format they were read from."""

    description: str
    entries: list[Entry]


def read(fmt: str, body: bytes) -> Shown:
    """The items of a stored JSON Feed, Atom or RSS document."""
    if fmt == "json":
        return _json(body)
    root = etree.fromstring(body, _PARSER)
    return _atom(root) if fmt == "atom" else _rss(root)


def text_of(value: str | None) -> str:
    """Plain text of a field that may hold HTML (summaries often do)."""
    if not value or not value.strip():
        return ""
    if "<" not in value and "&" not in value:
        return value.strip()
    return str(lhtml.fragment_fromstring(value, create_parent="div").text_content()).strip()


def _when(value: str | None, rfc822: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        got = parsedate_to_datetime(value) if rfc822 else datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return got.astimezone(UTC) if got.tzinfo else got.replace(tzinfo=UTC)


def _json(body: bytes) -> Shown:
    doc = json.loads(body)
    entries = [
        Entry(
            title=text_of(i.get("title")) or i.get("url", ""),
            url=i.get("url", ""),
            published=_when(i.get("date_published")),
            summary=text_of(i.get("summary") or i.get("content_text") or i.get("content_html")),
            image=i.get("image"),
        )
        for i in doc.get("items", [])
    ]
    return Shown(text_of(doc.get("description")), entries)


def _atom(root: etree._Element) -> Shown:
    entries = []
    for e in root.iter(f"{_ATOM}entry"):
        links = {ln.get("rel", "alternate"): ln.get("href", "") for ln in e.iter(f"{_ATOM}link")}
        entries.append(
            Entry(
                title=text_of(e.findtext(f"{_ATOM}title")),
                url=links.get("alternate", ""),
                published=_when(e.findtext(f"{_ATOM}published") or e.findtext(f"{_ATOM}updated")),
                summary=text_of(e.findtext(f"{_ATOM}summary") or e.findtext(f"{_ATOM}content")),
                image=links.get("enclosure"),
            )
        )
    return Shown(text_of(root.findtext(f"{_ATOM}subtitle")), entries)


def _rss(root: etree._Element) -> Shown:
    entries = []
    for i in root.iter("item"):
        media = i.find(f"{_MEDIA}content")
        enclosure = i.find("enclosure")
        image = media if media is not None else enclosure
        entries.append(
            Entry(
                title=text_of(i.findtext("title")),
                url=i.findtext("link") or "",
                published=_when(i.findtext("pubDate"), rfc822=True),
                summary=text_of(i.findtext("description")),
                image=image.get("url") if image is not None else None,
            )
        )
    return Shown(text_of(root.findtext("channel/description")), entries)
