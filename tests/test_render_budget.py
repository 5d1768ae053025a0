"""render_within_budget: old items lose content first, then drop out; never cut mid-item."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from feeds.catalog import FeedKey, FeedMeta, Format
from feeds.render import render, render_within_budget
from feeds.render.budget import _plans, _search
from sources.model.article import Article

META = FeedMeta(
    key=FeedKey(section="world"),
    title="World",
    description="World news",
    base_url="https://news.example",
    feed_id="tag:news.example,2024:feed/section/world",
)
T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)


def _articles(n: int, body_bytes: int) -> list[Article]:
    """n articles newest first, each with a distinct body of about body_bytes."""
    return [
        Article(
            id=f"a{i}",
            guid=f"tag:news.example,2024:article/{i}",
            url=f"https://news.example/story-{i}",
            title=f"Story {i}",
            summary=f"Summary {i}",
            content=f"<p>{i}:" + "x" * body_bytes + "</p>",
            section="world",
            published=T0 - timedelta(hours=i),
            updated=T0 - timedelta(hours=i),
            source_id="wire",
            raw_hash=f"h{i}",
            normalizer_version=1,
        )
        for i in range(n)
    ]


def _contents(fmt: Format, doc: bytes) -> list[str | None]:
    """Each item's full content as rendered, in order (None when absent)."""
    if fmt == "json":
        return [i.get("content_html") for i in json.loads(doc)["items"]]
    root = etree.fromstring(doc)
    if fmt == "rss":
        tag = "{http://purl.org/rss/1.0/modules/content/}encoded"
        return [i.findtext(tag) for i in root.iter("item")]
    atom = "{http://www.w3.org/2005/Atom}"
    return [e.findtext(f"{atom}content") for e in root.iter(f"{atom}entry")]


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_content_of_the_oldest_goes_first(fmt: Format) -> None:
    articles = _articles(50, 40_000)
    doc, kept = render_within_budget(fmt, META, articles, max_bytes=200_000)
    assert len(doc) <= 200_000
    assert kept == 50
    contents = _contents(fmt, doc)
    with_content = sum(c is not None for c in contents)
    assert 1 <= with_content < 50
    # Newest items keep their complete content; every older one has none.
    assert contents[:with_content] == [a.content for a in articles[:with_content]]
    assert contents[with_content:] == [None] * (50 - with_content)
    # Nothing more would have fit: one more body breaks the budget.
    more = [a if i <= with_content else replace(a, content=None) for i, a in enumerate(articles)]
    assert len(render(fmt, META, more)) > 200_000


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_old_items_drop_out_when_content_is_not_enough(fmt: Format) -> None:
    articles = _articles(40, 2_000)
    bare = [replace(a, content=None) for a in articles]
    budget = len(render(fmt, META, bare[:25])) + 10
    doc, kept = render_within_budget(fmt, META, articles, max_bytes=budget)
    assert kept == 25
    assert doc == render(fmt, META, bare[:25])


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_a_feed_that_fits_is_untouched(fmt: Format) -> None:
    articles = _articles(5, 1_000)
    full = render(fmt, META, articles)
    assert render_within_budget(fmt, META, articles, max_bytes=len(full)) == (full, 5)


def test_a_budget_below_an_empty_feed_gives_the_empty_feed() -> None:
    doc, kept = render_within_budget("rss", META, _articles(3, 100), max_bytes=10)
    assert (doc, kept) == (render("rss", META, []), 0)


def test_search_finds_the_largest_plan_that_fits() -> None:
    plans = _plans(4)
    sizes = {plan: 1000 - 100 * i for i, plan in enumerate(plans)}
    drawn: list[tuple[int, int]] = []

    def draw(plan: tuple[int, int]) -> bytes:
        drawn.append(plan)
        return b"x" * sizes[plan]

    doc, kept = _search(draw, plans, max_bytes=650)
    assert len(doc) == 600 and kept == plans[4][0]
    assert len(drawn) <= 4
