"""Any text in an article renders to well-formed XML and valid JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.catalog import FeedKey, FeedMeta
from feeds.render import render
from sources.model.article import Article, Image

META = FeedMeta(
    key=FeedKey(),
    title="Latest",
    description="Everything",
    base_url="https://news.example",
    feed_id="tag:news.example,2024:feed/latest",
)
WHEN = datetime(2024, 5, 1, tzinfo=UTC)
STRICT = etree.XMLParser(recover=False, resolve_entities=False)
MEDIA = "{http://search.yahoo.com/mrss/}"
ATOM = "{http://www.w3.org/2005/Atom}"

# Any code point, with the ones that break XML (lone surrogates, C0 controls, U+FFFE/F) and
# markup-looking runs drawn often.
HOSTILE = [
    "\x00",
    "\x0b",
    "\x0c",
    "\x1f",
    "\ud800",
    "\udfff",
    "\ufffe",
    "\uffff",
    "\r",
    "]]>",
    "&nbsp;",
    "<b>",
    "&",
    "\U0001f600",
]
ANY_TEXT = st.lists(
    st.one_of(st.characters(codec=None, categories=None), st.sampled_from(HOSTILE)), max_size=40
).map("".join)


def _xml_legal(text: str) -> str:
    """The text with XML 1.0 §2.2 illegal characters removed (an independent oracle)."""
    return "".join(
        c
        for c in text
        if c in "\t\n\r"
        or "\x20" <= c <= "\ud7ff"
        or "\ue000" <= c <= "\ufffd"
        or "\U00010000" <= c <= "\U0010ffff"
    )


def _article(title: str, summary: str, author: str, caption: str) -> Article:
    return Article(
        id="a1",
        guid="tag:news.example,2024:article/1",
        url="https://news.example/story-1",
        title=title,
        summary=summary,
        content=f"<p>{summary}</p>",
        section="world",
        published=WHEN,
        updated=WHEN,
        source_id="wire",
        raw_hash="h",
        normalizer_version=1,
        authors=(author,),
        image=Image(url="https://img.news.example/1.jpg", caption=caption, credit=caption),
    )


@settings(max_examples=150, deadline=None)
@given(title=ANY_TEXT, summary=ANY_TEXT, author=ANY_TEXT, caption=ANY_TEXT)
def test_any_text_renders_to_valid_documents(
    title: str, summary: str, author: str, caption: str
) -> None:
    article = _article(title, summary, author, caption)
    expected_title = _xml_legal(title).strip() or article.url

    rss = etree.fromstring(render("rss", META, [article]), STRICT)
    item = rss.find("channel/item")
    assert item is not None and item.findtext("title") == expected_title
    media_caption = item.findtext(f"{MEDIA}content/{MEDIA}description")
    assert media_caption == (_xml_legal(caption) or None)

    atom = etree.fromstring(render("atom", META, [article]), STRICT)
    assert atom.findtext(f"{ATOM}entry/{ATOM}title") == expected_title

    doc = json.loads(render("json", META, [article]).decode("utf-8"))
    assert doc["items"][0]["title"] == expected_title
    names = [a["name"] for a in doc["items"][0].get("authors", [])]
    assert names == ([_xml_legal(author).strip()] if _xml_legal(author).strip() else [])
