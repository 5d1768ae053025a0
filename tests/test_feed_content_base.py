"""RSS content resolves relative URLs against xml:base, the item link, then the channel link.

The feed is fetched from a real local server, so the fetch URL (http://127.0.0.1:…) differs
from the publisher's host: it must never leak into content unless the feed gives no base.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import UTC, datetime

from pytest_httpserver import HTTPServer

from sources.kinds import feed
from sources.kinds.base import CollectContext
from sources.model.article import Article
from sources.model.raw import RawItem
from sources.model.spec import FetchSettings, NormalizeSettings, SourceSpec
from sources.model.state import SourceState
from sources.normalize import normalize

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Wire</title><link>https://wire.example.org/</link><description>d</description>
<item><title>By the item link</title><link>https://wire.example.org/news/2026/a</link>
  <guid>a</guid><media:content url="/img/lead-a.jpg" medium="image"/>
  <content:encoded><![CDATA[<p><img src="/img/a.jpg"> <a href="more">more</a></p>]]>
  </content:encoded>
</item>
<item xml:base="https://cdn.example.net/x/"><title>By xml:base</title>
  <link>https://wire.example.org/news/2026/b</link><guid>b</guid>
  <content:encoded><![CDATA[<p><img src="img/b.jpg"></p>]]></content:encoded>
</item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><id>urn:x</id>
<updated>2026-03-10T10:00:00Z</updated><link rel="alternate" href="https://wire.example.org/"/>
<entry><title>Atom</title><id>urn:a</id><updated>2026-03-10T10:00:00Z</updated>
  <link href="https://wire.example.org/news/2026/c"/>
  <content type="html">&lt;p&gt;&lt;img src="/img/c.jpg"&gt;&lt;/p&gt;</content></entry>
</feed>"""


def _articles(httpserver: HTTPServer, body: bytes, media_type: str) -> dict[str, Article]:
    httpserver.expect_request("/feed.xml").respond_with_data(body, content_type=media_type)
    url = httpserver.url_for("/feed.xml")
    spec = SourceSpec(id="wire", kind="feed", url=url, interval_seconds=300, section="world")
    ctx = CollectContext(now=NOW, fetch=FetchSettings(host_gap_seconds=0))
    collected = feed.collect(spec, SourceState("wire", url), ctx)
    settings = NormalizeSettings(authority="news.example.com")
    made = [normalize(raw, spec, settings, now=NOW) for raw in collected.items]
    return {a.title: a for a in made}


def test_rss_content_resolves_against_the_item_link_not_the_fetch_url(
    httpserver: HTTPServer,
) -> None:
    article = _articles(httpserver, RSS, "application/rss+xml")["By the item link"]
    content = article.content or ""
    assert '<img src="https://wire.example.org/img/a.jpg">' in content
    assert 'href="https://wire.example.org/news/2026/more"' in content
    assert "127.0.0.1" not in content
    assert article.image is not None
    assert article.image.url == "https://wire.example.org/img/lead-a.jpg"


def test_rss_xml_base_wins_over_the_item_link(httpserver: HTTPServer) -> None:
    article = _articles(httpserver, RSS, "application/rss+xml")["By xml:base"]
    assert '<img src="https://cdn.example.net/x/img/b.jpg">' in (article.content or "")


def test_atom_content_keeps_the_document_base(httpserver: HTTPServer) -> None:
    # RFC 4287 §1.3 leaves relative references to XML Base, whose base is the document's
    # own URI when no xml:base is given (RFC 3986 §5.1.3)
    article = _articles(httpserver, ATOM, "application/atom+xml")["Atom"]
    assert f'<img src="{httpserver.url_for("/img/c.jpg")}">' in (article.content or "")


def test_the_raw_hash_payload_did_not_move() -> None:
    # a field added to RawItem must not change hashes already stored (a storm of edits)
    raw = RawItem(source_id="wire", url="https://x.example/a", content_base_inherited=True)
    added = ("content_base_inherited", "guid")  # fields added after hashes were stored
    old = {k: v for k, v in asdict(raw).items() if k not in added}
    payload = json.dumps(old, sort_keys=True, ensure_ascii=False).encode()
    assert raw.content_hash() == hashlib.sha256(payload).hexdigest()
