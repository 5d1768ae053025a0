"""Rendered RSS, Atom and JSON documents: golden bytes, structure, validity, determinism."""

from __future__ import annotations

import email.utils
import json
import os
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feeds.catalog import FeedKey, FeedMeta, Format
from feeds.render import EMPTY_FEED_UPDATED, Tombstone, render
from sources.model.article import Article, Image

GOLDEN = Path(__file__).parent / "golden"
STYLE = Path(__file__).parent.parent / "feeds" / "static" / "style.xsl"
ATOM_NS = {"a": "http://www.w3.org/2005/Atom"}
RSS_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
}
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$"
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
STRICT = etree.XMLParser(recover=False, resolve_entities=False)

META = FeedMeta(
    key=FeedKey(section="world"),
    title="World",
    description="World news from the newsroom",
    base_url="https://news.example",
    feed_id="tag:news.example,2024:feed/section/world",
    language="en",
    hubs=("https://hub.example/",),
    icon_url="https://news.example/icon.png",
    logo_url="https://news.example/logo.png",
    author_name="The Newsroom",
    copyright="© 2024 The Newsroom",
    home="https://news.example/world/",
    current_stem=None,
    prev_archive_stem="/feeds/section/world/archive/7",
)


def _article(n: int, published: datetime, **kw: object) -> Article:
    """A sample article; keyword arguments override the defaults."""
    fields: dict[str, object] = {
        "id": f"a{n}",
        "guid": f"tag:news.example,2024:article/{n}",
        "url": f"https://news.example/world/story-{n}",
        "title": f"Story {n}",
        "summary": f"Summary of story {n}.",
        "content": f'<p>Body {n} with <a href="https://news.example/more/{n}">a link</a>.</p>',
        "section": "world",
        "published": published,
        "updated": published,
        "source_id": "wire",
        "raw_hash": f"h{n}",
        "normalizer_version": 1,
    }
    fields.update(kw)
    return Article(**fields)  # type: ignore[arg-type]


ARTICLES = [
    _article(
        1,
        datetime(2024, 5, 3, 9, 30, tzinfo=UTC),
        title="Monsoon arrives early in Kerala & Sri Lanka",
        authors=("Asha Rao", "Imran Khan"),
        countries=("IN", "LK"),
        tags=("weather",),
        image=Image(
            url="https://img.news.example/monsoon.jpg",
            type="image/jpeg",
            width=1600,
            height=900,
            caption="Rain over Kochi, 3 May",
            credit="Photo: A. Rao / Agency",
        ),
    ),
    _article(
        2,
        datetime(2024, 5, 2, 18, 0, tzinfo=UTC),
        title="Markets close higher",
        content=None,
        section="business",
        countries=("US",),
        authors=("Dana Lee",),
    ),
    _article(
        3,
        datetime(2024, 5, 2, 7, 15, tzinfo=UTC),
        updated=datetime(2024, 5, 4, 6, 45, tzinfo=UTC),
        title="Ceasefire talks resume (updated)",
        countries=("GB", "FR"),
        image=Image(url="https://img.news.example/talks.png"),
    ),
    _article(
        4,
        datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        title="Élections à Paris — résultats",
        summary="",
        countries=("FR",),
        language="fr",
    ),
    _article(
        5,
        datetime(2024, 4, 30, 23, 59, 59, tzinfo=UTC),
        title="Quotes \"double\" and 'single' <tags> & ampersands",
        summary="A vertical tab\x0b and a form feed\x0c are stripped.",
        authors=("O'Brien",),
    ),
]


def _doc(fmt: Format, **kw: object) -> bytes:
    return render(fmt, META, ARTICLES, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_matches_golden(fmt: Format) -> None:
    deleted = (Tombstone("tag:news.example,2024:article/0", ARTICLES[-1].published),)
    got = render(fmt, META, ARTICLES, deleted=deleted)
    path = GOLDEN / f"render_world.{fmt}"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(got)
    assert got == path.read_bytes(), f"{path.name} differs; UPDATE_GOLDEN=1 rewrites it"


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_rendering_twice_gives_the_same_bytes(fmt: Format) -> None:
    assert _doc(fmt) == _doc(fmt)


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_xml_starts_with_declaration_and_stylesheet(fmt: Format) -> None:
    lines = _doc(fmt).split(b"\n")
    assert lines[0] == b'<?xml version="1.0" encoding="UTF-8"?>'
    href = b"https://news.example/feeds/style.xsl"
    assert lines[1] == b'<?xml-stylesheet type="text/xsl" href="' + href + b'"?>'
    plain = render(fmt, replace(META, stylesheet_path=None), ARTICLES)
    assert b"xml-stylesheet" not in plain


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_xml_parses_strictly_and_with_feedparser(fmt: Format) -> None:
    doc = _doc(fmt)
    etree.fromstring(doc, STRICT)
    parsed = feedparser.parse(doc)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert [e.id for e in parsed.entries] == [a.guid for a in ARTICLES]
    assert [e.link for e in parsed.entries] == [a.url for a in ARTICLES]


def test_rss_channel_fields() -> None:
    channel = etree.fromstring(_doc("rss")).find("channel")
    assert channel is not None
    assert channel.findtext("link") == "https://news.example/world/"  # the section link
    selfs = channel.findall("atom:link[@rel='self']", RSS_NS)
    assert [(s.get("href"), s.get("type")) for s in selfs] == [
        (META.self_url("rss"), "application/rss+xml")
    ]
    assert channel.find("atom:link[@rel='hub']", RSS_NS).get("href") == META.hubs[0]  # type: ignore[union-attr]
    prev = channel.find("atom:link[@rel='prev-archive']", RSS_NS)
    assert prev is not None and prev.get("href") == META.url_for(
        META.prev_archive_stem or "", "rss"
    )
    # Article 3 was updated after every other article was published or updated.
    assert channel.findtext("lastBuildDate") == "Sat, 04 May 2024 06:45:00 +0000"
    assert channel.findtext("image/link") == "https://news.example/world/"


def test_rss_namespaces_are_exact() -> None:
    root = etree.fromstring(_doc("rss"))
    assert root.nsmap == RSS_NS


def test_rss_dates_are_rfc822_with_the_right_weekday() -> None:
    channel = etree.fromstring(_doc("rss")).find("channel")
    assert channel is not None
    dates = [channel.findtext("lastBuildDate") or ""]
    dates += [d.text or "" for d in channel.iter("pubDate")]
    assert len(dates) == len(ARTICLES) + 1
    for text in dates:
        assert RFC822.match(text), text
        parsed = email.utils.parsedate_to_datetime(text)
        assert text.startswith(parsed.strftime("%a")), text


def test_rss_pubdate_follows_the_chosen_date() -> None:
    def third_pubdate(**kw: object) -> str | None:
        items = etree.fromstring(_doc("rss", **kw)).findall("channel/item")
        return items[2].findtext("pubDate")

    assert third_pubdate() == "Thu, 02 May 2024 07:15:00 +0000"
    assert third_pubdate(rss_pubdate="updated") == "Sat, 04 May 2024 06:45:00 +0000"


def test_rss_items() -> None:
    items = etree.fromstring(_doc("rss")).findall("channel/item")
    guids = [i.find("guid") for i in items]
    assert [g.text for g in guids if g is not None] == [a.guid for a in ARTICLES]
    assert {g.get("isPermaLink") for g in guids if g is not None} == {"false"}
    first, second, third, fourth, fifth = items
    assert [c.text for c in first.findall("category")] == ["world", "IN", "LK"]
    assert first.findtext("dc:creator", namespaces=RSS_NS) == "Asha Rao, Imran Khan"
    enclosure = first.find("enclosure")
    assert enclosure is not None
    assert {k: str(v) for k, v in enclosure.attrib.items()} == {
        "url": "https://img.news.example/monsoon.jpg",
        "length": "0",
        "type": "image/jpeg",
    }
    media = first.find("media:content", RSS_NS)
    assert media is not None and media.get("width") == "1600" and media.get("medium") == "image"
    assert media.findtext("media:credit", namespaces=RSS_NS) == "Photo: A. Rao / Agency"
    assert media.findtext("media:description", namespaces=RSS_NS) == "Rain over Kochi, 3 May"
    assert 'href="https://news.example/more/1"' in (
        first.findtext("content:encoded", namespaces=RSS_NS) or ""
    )
    assert second.find("content:encoded", RSS_NS) is None
    assert third.find("enclosure").get("type") == "image/png"  # type: ignore[union-attr]
    # No summary: the content is the description (RSS Profile §5.2.1).
    assert (fourth.findtext("description") or "").startswith("<p>Body 4")
    assert fifth.findtext("description") == "A vertical tab and a form feed are stripped."


def test_atom_feed_and_entries() -> None:
    feed = etree.fromstring(_doc("atom"))
    assert feed.findtext("a:id", namespaces=ATOM_NS) == META.feed_id
    assert feed.findtext("a:updated", namespaces=ATOM_NS) == "2024-05-04T06:45:00Z"
    links = {(ln.get("rel"), ln.get("href")) for ln in feed.findall("a:link", ATOM_NS)}
    assert ("self", META.self_url("atom")) in links
    assert ("alternate", "https://news.example/world/") in links
    assert ("hub", "https://hub.example/") in links
    assert feed.findtext("a:author/a:name", namespaces=ATOM_NS) == "The Newsroom"
    entries = feed.findall("a:entry", ATOM_NS)
    assert [e.findtext("a:id", namespaces=ATOM_NS) for e in entries] == [a.guid for a in ARTICLES]
    for entry in entries:
        for tag in ("a:updated", "a:published"):
            assert RFC3339.match(entry.findtext(tag, namespaces=ATOM_NS) or ""), tag
        assert entry.find("a:title", ATOM_NS).get("type") == "text"  # type: ignore[union-attr]
    assert entries[1].find("a:content", ATOM_NS) is None
    assert entries[0].find("a:content", ATOM_NS).get("type") == "html"  # type: ignore[union-attr]


def test_atom_tombstones() -> None:
    gone = Tombstone(
        "tag:news.example,2024:article/9",
        datetime(2024, 5, 5, tzinfo=UTC),
        url="https://news.example/world/story-9",
    )
    feed = etree.fromstring(render("atom", META, ARTICLES, deleted=[gone]))
    ns = {"at": "http://purl.org/atompub/tombstones/1.0", **ATOM_NS}
    (deleted,) = feed.findall("at:deleted-entry", ns)
    assert deleted.get("ref") == gone.guid
    assert deleted.get("when") == "2024-05-05T00:00:00Z"
    assert deleted.find("a:link", ns).get("href") == gone.url  # type: ignore[union-attr]
    assert b"deleted-entry" not in render("rss", META, ARTICLES, deleted=[gone])


def test_json_feed() -> None:
    doc = json.loads(_doc("json"))
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["title"] == "World"
    assert doc["feed_url"] == META.self_url("json")
    assert doc["next_url"] == "https://news.example/feeds/section/world/archive/7.json"
    assert doc["hubs"] == [{"type": "WebSub", "url": "https://hub.example/"}]
    items = doc["items"]
    assert [i["id"] for i in items] == [a.guid for a in ARTICLES]
    assert all("content_html" in i or "content_text" in i for i in items)
    assert items[1]["content_text"] == ARTICLES[1].summary
    assert items[0]["tags"] == ["world", "IN", "LK", "weather"]
    assert items[2]["date_modified"] == "2024-05-04T06:45:00Z"


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_archive_page_carries_fh_archive(fmt: Format) -> None:
    meta = replace(META, is_archive_page=True, page_stem="/x/archive/3")
    doc = etree.fromstring(render(fmt, meta, ARTICLES))
    fh = "{http://purl.org/syndication/history/1.0}archive"
    assert len(list(doc.iter(fh))) == 1
    assert len(list(etree.fromstring(_doc(fmt)).iter(fh))) == 0


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_empty_feed_uses_the_fixed_date(fmt: Format) -> None:
    doc = render(fmt, META, [])
    stamp = "Sat, 01 Jan 2000 00:00:00 +0000" if fmt == "rss" else "2000-01-01T00:00:00Z"
    assert datetime(2000, 1, 1, tzinfo=UTC) == EMPTY_FEED_UPDATED
    assert stamp.encode() in doc
    assert feedparser.parse(doc).bozo == 0


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_stylesheet_makes_a_readable_page(fmt: Format) -> None:
    transform = etree.XSLT(etree.parse(str(STYLE)))
    page = str(transform(etree.fromstring(_doc(fmt))))
    html = etree.fromstring(page.encode(), etree.HTMLParser())
    assert html.findtext(".//h1/a") == "World"
    anchors = {(a.text, a.get("href")) for a in html.iter("a")}
    for article in ARTICLES:
        assert (article.title.strip(), article.url) in anchors
    assert "copy its address into your feed reader" in page
    assert META.self_url(fmt) in page
