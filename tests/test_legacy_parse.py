"""Legacy documents to items: ids exactly as served, RSS isPermaLink, links to older pages."""

from __future__ import annotations

import json

import pytest

from sources.errors import NotAFeedError
from sources.legacy.crawl import paged_url
from sources.legacy.parse import parse_legacy

URL = "https://old.example.com/feed/"


def test_rss_guid_permalink_as_served() -> None:
    body = b"""<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
      <atom:link rel="prev-archive" href="https://old.example.com/feed/2009"/>
      <item><link>https://old.example.com/a</link><guid>https://old.example.com/a</guid></item>
      <item><link>https://old.example.com/b</link><guid isPermaLink="false">  123 </guid></item>
      <item><link>https://old.example.com/c</link></item>
      <item><title>neither</title></item>
    </channel></rss>"""
    page = parse_legacy(body, URL)
    assert [(i.legacy_id, i.is_permalink) for i in page.items] == [
        ("https://old.example.com/a", True),  # RSS 2.0: isPermaLink defaults to true
        ("123", False),
        ("", None),  # no guid at all: readers key on the link
    ]
    assert page.more == ("https://old.example.com/feed/2009",)
    assert page.skipped == 1


def test_json_feed_ids_and_next_url() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1",
        "next_url": "https://old.example.com/feed.json?page=2",
        "items": [
            {
                "id": 42,
                "url": "https://old.example.com/x",
                "date_published": "2026-01-02T03:04:05Z",
            },
            {"id": "tag:old.example.com,2020:1", "url": "https://old.example.com/y"},
            "junk",
        ],
    }
    page = parse_legacy(json.dumps(doc).encode(), URL)
    assert page.format == "json"
    assert [i.legacy_id for i in page.items] == ["42", "tag:old.example.com,2020:1"]
    assert page.items[0].published == "2026-01-02T03:04:05Z"
    assert page.more == ("https://old.example.com/feed.json?page=2",)
    assert page.skipped == 1


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"<html><body>hi</body></html>", "is not RSS 2.0, Atom or JSON Feed (root <html>)"),
        (b'{"items": []}', "JSON without a JSON Feed version"),
        (b"<rss><item/></rss>", "<rss> without <channel>"),
        (b"<rss><channel><item>", "is not a feed: "),
    ],
)
def test_not_a_feed_says_why(body: bytes, why: str) -> None:
    with pytest.raises(NotAFeedError) as caught:
        parse_legacy(body, URL)
    assert why in str(caught.value)


def test_paged_url_keeps_other_parameters() -> None:
    assert paged_url("https://old.example.com/?feed=rss2&paged=1", 3) == (
        "https://old.example.com/?feed=rss2&paged=3"
    )
