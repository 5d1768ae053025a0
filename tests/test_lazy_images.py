"""Lazy-loaded images: the real photo is promoted, a placeholder is never published.

Each case is an article page as lazy-loading sites write them; the page is extracted and
normalized as a poll would, and the published content and lead image are checked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

import pytest

from sources.html.extract import extract
from sources.html.selectors import rules_from
from sources.model.article import Article
from sources.model.raw import RawItem
from sources.model.spec import NormalizeSettings, SourceSpec
from sources.normalize import normalize

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
URL = "https://news.example.com/world/2026/03/10/story"
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
TEXT = "<p>The delegations met for six hours and agreed on a text.</p>"
REAL = "https://news.example.com/img/summit.jpg"

# (case, article markup, selectors, the photo that must be published)
CASES = [
    (
        "noscript copy after a placeholder",
        f'{TEXT}<img src="/img/blank.gif" class="lazy"><noscript><img src="/img/summit.jpg">'
        "</noscript>",
        {},
        REAL,
    ),
    (
        "noscript copy alone",
        f'{TEXT}<noscript><img src="/img/summit.jpg" width="1200"></noscript>',
        {},
        REAL,
    ),
    (
        "data-src over a data: URI",
        f'{TEXT}<img src="{PIXEL}" data-src="/img/summit.jpg">',
        {},
        REAL,
    ),
    ("data-lazy-src, no src", f'{TEXT}<img data-lazy-src="/img/summit.jpg">', {}, REAL),
    (
        "srcset behind a 1x1 file",
        f'{TEXT}<img src="/img/1x1.gif" srcset="/img/summit-400.jpg 400w, /img/summit.jpg 1200w">',
        {},
        REAL,
    ),
    (
        "data-srcset behind a data: URI",
        f'{TEXT}<img src="{PIXEL}" data-srcset="/img/s-400.jpg 400w, /img/summit.jpg 1200w">',
        {},
        REAL,
    ),
    (
        "a 1x1 pixel before the photo",
        f'{TEXT}<img src="/img/track.gif" width="1" height="1"><img src="/img/summit.jpg">',
        {},
        REAL,
    ),
    (
        "selected figure with a placeholder src",
        f'{TEXT}</article><figure class="lead"><img src="/img/placeholder.png" '
        'data-src="/img/summit.jpg" width="1" height="1"></figure><article>',
        {"image": "figure.lead"},
        REAL,
    ),
]


def _published(markup: str, selectors: dict[str, str], head: str = "") -> Article:
    html = f"<html><head><title>Summit</title>{head}</head><body><article>{markup}</article>"
    source = SourceSpec(
        id="pages",
        kind="page",
        url=URL,
        interval_seconds=300,
        section="world",
        options=MappingProxyType({"selectors": selectors} if selectors else {}),
    )
    raw = extract(source.id, f"{html}</body></html>".encode(), URL, rules_from(source))
    return normalize(raw, source, NormalizeSettings(authority="news.example.com"), now=NOW)


def _placeholder_free(article: Article) -> None:
    published = f"{article.content} {article.image}"
    for stand_in in ("data:", "blank.gif", "1x1.gif", "track.gif", "placeholder.png"):
        assert stand_in not in published, stand_in


@pytest.mark.parametrize(
    ("markup", "selectors", "photo"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_real_photo_is_promoted(markup: str, selectors: dict[str, str], photo: str) -> None:
    article = _published(markup, selectors)
    assert article.image is not None and article.image.url == photo
    if not selectors:  # the selected figure lies outside the article's body
        assert f'src="{photo}"' in (article.content or "")
    _placeholder_free(article)


def test_an_image_that_is_only_a_placeholder_is_dropped() -> None:
    article = _published(f'{TEXT}<img src="{PIXEL}"><img src="/img/spacer.gif">', {})
    assert article.image is None
    assert "<img" not in (article.content or "") and "six hours" in (article.content or "")


def test_a_lead_image_named_like_a_placeholder_is_not_published() -> None:
    head = '<meta property="og:image" content="https://news.example.com/img/placeholder.png">'
    article = _published(TEXT, {}, head)
    assert article.image is None


def test_feed_content_gets_the_same_promotion() -> None:
    source = SourceSpec(id="wire", kind="feed", url=URL, interval_seconds=300, section="world")
    content = f'{TEXT}<img src="{PIXEL}" data-lazy-src="/img/summit.jpg"><noscript>'
    content += '<img src="/img/summit.jpg"></noscript>'
    raw = RawItem(source_id="wire", url=URL, title="Summit", content=content, base_url=URL)
    article = normalize(raw, source, NormalizeSettings(authority="news.example.com"), now=NOW)
    assert article.image is not None and article.image.url == REAL
    assert (article.content or "").count("<img") == 1
    _placeholder_free(article)
