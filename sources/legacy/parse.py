"""RSS 2.0, Atom 1.0 and JSON Feed documents to legacy items, ids kept character for character.

lxml rather than feedparser: feedparser forgets an RSS guid's isPermaLink once the item
has a <link>, and `adopt` must serve it back exactly as the old feed did.
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

from sources.errors import NotAFeedError
from sources.model.legacy import LegacyItem, LegacyPage

ATOM = "{http://www.w3.org/2005/Atom}"
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, remove_pis=True
)
# RFC 5005 §3 (prev-archive) and §2 (paged feeds: next) lead to older items
_MORE_RELS = ("prev-archive", "next")


def parse_legacy(body: bytes, url: str) -> LegacyPage:
    """The items of one legacy document; NotAFeedError says why it is not a feed."""
    if body.lstrip()[:1] in (b"{", b"["):
        return _json_page(body, url)
    try:
        root = etree.fromstring(body, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise NotAFeedError(f"{url} is not a feed: {exc}") from exc
    if root is None:
        raise NotAFeedError(f"{url} is not a feed: empty document")
    if root.tag == "rss":
        return _rss_page(root, url)
    if root.tag == f"{ATOM}feed":
        return _atom_page(root, url)
    raise NotAFeedError(f"{url} is not RSS 2.0, Atom or JSON Feed (root <{root.tag}>)")


def _text(el: Any, path: str) -> str | None:
    found = el.find(path)
    text = found.text if found is not None else None
    return text.strip() or None if text else None


def _atom_links(el: Any) -> dict[str, str]:
    """rel -> href of an element's atom:link children (the first of each rel)."""
    links: dict[str, str] = {}
    for link in el.findall(f"{ATOM}link"):
        href = (link.get("href") or "").strip()
        if href:
            links.setdefault(link.get("rel", "alternate"), href)
    return links


def _more(links: dict[str, str]) -> tuple[str, ...]:
    return tuple(links[rel] for rel in _MORE_RELS if rel in links)


def _rss_page(root: Any, url: str) -> LegacyPage:
    channel = root.find("channel")
    if channel is None:
        raise NotAFeedError(f"{url} is not a feed: <rss> without <channel>")
    items, skipped = [], 0
    for el in channel.findall("item"):
        guid = el.find("guid")
        # RSS 2.0: the guid as served, whitespace and all is not ours to change; ends trimmed
        legacy_id = (guid.text or "").strip() if guid is not None else ""
        link = _text(el, "link")
        if not legacy_id and not link:
            skipped += 1
            continue
        permalink = None
        if guid is not None and legacy_id:
            permalink = (guid.get("isPermaLink") or "true").strip().lower() != "false"
        items.append(
            LegacyItem(
                format="rss",
                legacy_id=legacy_id or "",
                is_permalink=permalink,
                link=link,
                shortlink=_atom_links(el).get("shortlink"),
                published=_text(el, "pubDate"),
                updated=_text(el, "{http://purl.org/dc/terms/}modified"),
            )
        )
    return LegacyPage("rss", tuple(items), _more(_atom_links(channel)), skipped)


def _atom_page(root: Any, url: str) -> LegacyPage:
    items, skipped = [], 0
    for el in root.findall(f"{ATOM}entry"):
        legacy_id = _text(el, f"{ATOM}id") or ""
        links = _atom_links(el)
        if not legacy_id and "alternate" not in links:
            skipped += 1
            continue
        items.append(
            LegacyItem(
                format="atom",
                legacy_id=legacy_id,
                link=links.get("alternate"),
                shortlink=links.get("shortlink"),
                published=_text(el, f"{ATOM}published"),
                updated=_text(el, f"{ATOM}updated"),
            )
        )
    return LegacyPage("atom", tuple(items), _more(_atom_links(root)), skipped)


def _json_page(body: bytes, url: str) -> LegacyPage:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise NotAFeedError(f"{url} is not a feed: not JSON ({exc})") from exc
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise NotAFeedError(f"{url} is not a feed: JSON without a JSON Feed version")
    items, skipped = [], 0
    for entry in doc.get("items") or []:
        if not isinstance(entry, dict):
            skipped += 1
            continue
        raw_id = entry.get("id")
        legacy_id = str(raw_id) if isinstance(raw_id, str | int) else ""  # 1.0 allowed numbers
        link = _string(entry.get("url"))
        if not legacy_id and not link:
            skipped += 1
            continue
        items.append(
            LegacyItem(
                format="json",
                legacy_id=legacy_id,
                link=link,
                published=_string(entry.get("date_published")),
                updated=_string(entry.get("date_modified")),
            )
        )
    more = _string(doc.get("next_url"))
    return LegacyPage("json", tuple(items), (more,) if more else (), skipped)


def _string(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
