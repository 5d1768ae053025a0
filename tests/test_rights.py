"""Redistribution rights per source: full, summary, link, exclude, and images = false."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import MappingProxyType

import pytest

from feeds import intake
from feeds.archive import documents as docs
from feeds.archive.engine import Store
from feeds.build import compose, publish
from feeds.catalog import ComboRule
from feeds.site import Site
from sources.model.article import Article, Image
from sources.model.raw import RawImage, RawItem
from sources.model.spec import NormalizeSettings, Rights, SourceSpec

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
CONTENT = '<p>Body text.</p><img src="https://img.example.com/a.jpg" alt="x"><p>More.</p>'
ARTICLE = Article(
    id="a1", guid="tag:news.example.com,2026:a1", url="https://wire.example.com/a1",
    title="Title", summary="The summary.", content=CONTENT, section="world",
    published=NOW, updated=NOW, source_id="wire", raw_hash="h", normalizer_version=1,
    image=Image(url="https://img.example.com/lead.jpg", type="image/jpeg"),
)  # fmt: skip


def site(rights: Rights, images: bool = True) -> Site:
    return Site(
        title="Ledger",
        base_url="https://news.example.com",
        authority="news.example.com",
        rights=MappingProxyType({"wire": (rights, images)}),
    )


def test_full_keeps_everything() -> None:
    assert compose.publishable(ARTICLE, site("full")) == ARTICLE


def test_a_source_without_rights_configured_is_full() -> None:
    other = Site(title="Ledger", base_url="https://news.example.com", authority="x")
    assert compose.publishable(ARTICLE, other) == ARTICLE


def test_summary_drops_the_body_only() -> None:
    out = compose.publishable(ARTICLE, site("summary"))
    assert out is not None
    assert out.content is None and out.summary == "The summary." and out.image == ARTICLE.image


def test_link_keeps_title_and_link_only() -> None:
    out = compose.publishable(ARTICLE, site("link"))
    assert out is not None
    assert (out.content, out.summary) == (None, "")
    assert (out.title, out.url, out.guid) == (ARTICLE.title, ARTICLE.url, ARTICLE.guid)


def test_exclude_keeps_it_out_of_every_feed() -> None:
    assert compose.publishable(ARTICLE, site("exclude")) is None


def test_images_false_removes_lead_image_and_inline_images() -> None:
    out = compose.publishable(ARTICLE, site("full", images=False))
    assert out is not None and out.image is None and out.content is not None
    assert "<img" not in out.content and "Body text." in out.content and "More." in out.content


def _publish(store: Store, item: RawItem, rights: Site) -> None:
    """Take one item from the "wire" source and rebuild its feeds under these rights."""
    spec = SourceSpec(id="wire", kind="feed", url="https://wire.example.com/rss",
                      interval_seconds=300, section="world")  # fmt: skip
    rules = intake.IntakeRules(
        normalize=NormalizeSettings(authority="news.example.com"), combos=ComboRule("none")
    )
    intake.take(store, spec, [item], rules, now=NOW)
    publish.rebuild_dirty(store, rights, owner="t", now=lambda: NOW)


@pytest.mark.parametrize("rights", ["full", "summary", "link"])
def test_rights_reach_the_served_documents(store: Store, rights: Rights, tmp_path: object) -> None:
    item = RawItem(
        source_id="wire", upstream_id="s1", url="https://wire.example.com/s1", title="Story",
        summary="Short summary.", content="<p>Long body.</p>", published=NOW.isoformat(),
        images=(RawImage(url="https://img.example.com/s1.jpg"),),
    )  # fmt: skip
    _publish(store, item, site(rights, images=False))
    with store.read() as conn:
        doc = docs.get(conn, "/feeds/section/world.json")
    assert doc is not None
    (entry,) = json.loads(doc.body)["items"]
    assert entry["title"] == "Story" and "image" not in entry
    assert "s1.jpg" not in doc.body.decode()
    assert ("content_html" in entry) == (rights == "full")
    assert ("Short summary." in json.dumps(entry)) == (rights != "link")


def test_link_never_carries_the_image_even_with_images_allowed(store: Store) -> None:
    item = RawItem(
        source_id="wire", upstream_id="s1", url="https://wire.example.com/s1", title="Story",
        content='<p>Long body.</p><img src="https://img.example.com/inline.jpg">',
        published=NOW.isoformat(), images=(RawImage(url="https://img.example.com/s1.jpg"),),
    )  # fmt: skip
    _publish(store, item, site("link", images=True))
    with store.read() as conn:
        bodies = [docs.get(conn, f"/feeds/section/world.{f}") for f in ("rss", "atom", "json")]
    for doc in bodies:
        assert doc is not None and b"Story" in doc.body
        assert b"img.example.com" not in doc.body, doc.path
