"""feedgen 1.0.0's known output bugs, shown on feedgen alone, and our fixes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from lxml import etree

from feeds.catalog import FeedKey, FeedMeta
from feeds.render import render
from sources.model.article import Article, Image

ATOM = "{http://www.w3.org/2005/Atom}"
WHEN = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
META = FeedMeta(
    key=FeedKey(country="IN"),
    title="India",
    description="News about India",
    base_url="https://news.example",
    feed_id="tag:news.example,2024:feed/country/in",
)
ARTICLE = Article(
    id="a1",
    guid="tag:news.example,2024:article/1",
    url="https://news.example/story-1",
    title="Story",
    summary="Summary",
    content="<p>Body</p>",
    section="world",
    published=WHEN,
    updated=WHEN,
    source_id="wire",
    raw_hash="h",
    normalizer_version=1,
    countries=("IN",),
    image=Image(url="https://img.news.example/1.jpg", type="image/jpeg"),
)


def _plain_feedgen() -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(META.feed_id)
    fg.title("India")
    fg.description("News about India")
    fg.link(href="https://news.example/", rel="alternate")
    fg.link(href=META.self_url("rss"), rel="self")
    fe = fg.add_entry()
    fe.id(ARTICLE.guid)
    fe.title("Story")
    fe.link(href=ARTICLE.url, rel="alternate")
    fe.link(href="https://img.news.example/1.jpg", rel="enclosure", type="image/jpeg")
    return fg


def test_feedgen_alone_drops_entry_link_rel_type_and_length() -> None:
    entry = etree.fromstring(_plain_feedgen().atom_str()).find(f"{ATOM}entry")
    assert entry is not None
    links = [dict(ln.attrib) for ln in entry.findall(f"{ATOM}link")]
    assert links == [{"href": ARTICLE.url}, {"href": "https://img.news.example/1.jpg"}]


def test_atom_entry_links_keep_rel_type_and_length() -> None:
    entry = etree.fromstring(render("atom", META, [ARTICLE])).find(f"{ATOM}entry")
    assert entry is not None
    links = [dict(ln.attrib) for ln in entry.findall(f"{ATOM}link")]
    assert links == [
        {"rel": "alternate", "href": ARTICLE.url, "type": "text/html"},
        {
            "rel": "enclosure",
            "href": "https://img.news.example/1.jpg",
            "type": "image/jpeg",
            "length": "0",
        },
    ]


def test_feedgen_alone_uses_the_last_link_as_the_rss_channel_link() -> None:
    channel = etree.fromstring(_plain_feedgen().rss_str()).find("channel")
    assert channel is not None and channel.findtext("link") == META.self_url("rss")


def test_rss_channel_link_is_the_home_page() -> None:
    channel = etree.fromstring(render("rss", META, [ARTICLE])).find("channel")
    assert channel is not None and channel.findtext("link") == "https://news.example/"


def test_feedgen_alone_prepends_entries_and_stamps_now() -> None:
    fg = _plain_feedgen()
    fe = fg.add_entry()
    fe.id("tag:news.example,2024:article/2")
    fe.title("Second")
    fe.link(href="https://news.example/story-2")
    feed = etree.fromstring(fg.atom_str())
    ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    assert ids == ["tag:news.example,2024:article/2", ARTICLE.guid]
    assert (feed.findtext(f"{ATOM}updated") or "") > "2025"


def test_render_keeps_order_and_dates_from_the_articles() -> None:
    older = replace(ARTICLE, id="a0", guid="tag:news.example,2024:article/0")
    newer = replace(ARTICLE, updated=datetime(2024, 5, 2, tzinfo=UTC))
    feed = etree.fromstring(render("atom", META, [newer, older]))
    ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    assert ids == [newer.guid, older.guid]
    assert feed.findtext(f"{ATOM}updated") == "2024-05-02T00:00:00Z"
