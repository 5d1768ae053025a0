"""Content HTML: the news allowlist, absolute URLs, and feedparser's hostile sanitize cases."""

from __future__ import annotations

import re
import time
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser
import pytest
from lxml import etree

from sources.model.spec import NormalizeSettings
from sources.normalize import sanitize_html

CORPUS = Path("/work/shared/corpus/feedparser/tests")
if not CORPUS.is_dir():
    CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus/feedparser/tests"
SETTINGS = NormalizeSettings(authority="news.example.com")
BASE = "https://n.example/world/story.html"
UNSAFE = re.compile(
    r"<script|<style|<object|<embed|<form|\son\w+\s*=|javascript:|vbscript:|data:", re.I
)


def _corpus_fragments() -> list[tuple[str, str]]:
    """Every HTML value of the sanitize corpus, parsed without feedparser's own sanitizer."""
    found = []
    for path in sorted((CORPUS / "wellformed/sanitize").glob("*.xml")):
        parsed = feedparser.parse(
            path.read_bytes(), sanitize_html=False, resolve_relative_uris=False
        )
        values = [parsed.feed.get(k, "") for k in ("title", "subtitle", "info", "rights")]
        for entry in parsed.entries:
            values += [entry.get("title", ""), entry.get("summary", "")]
            values += [c.get("value", "") for c in entry.get("content", [])]
        found += [(path.name, v) for v in values if v]
    return found


FRAGMENTS = _corpus_fragments()


def test_sanitize_corpus_was_found() -> None:
    assert len(FRAGMENTS) > 700
    # The raw values really are hostile: otherwise the test below proves nothing.
    assert sum(bool(UNSAFE.search(v)) for _, v in FRAGMENTS) > 300


def test_nothing_unsafe_survives_the_corpus() -> None:
    for name, value in FRAGMENTS:
        cleaned = sanitize_html(value, BASE, SETTINGS)
        assert not UNSAFE.search(cleaned), (name, cleaned)
        assert not re.search(r"\sstyle\s*=", cleaned), (name, cleaned)
        etree.fromstring(f"<x>{escape(cleaned)}</x>")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("entry_content_script.xml", "safe description"),
        ("item_description_onload.xml", '<img src="http://www.ragingplatypus.com/i/cam-full.jpg">'),
        ("entry_content_onabort.xml", '<img src="http://www.ragingplatypus.com/i/cam-full.jpg">'),
        ("item_description_applet.xml", "safe description"),
        ("item_description_object.xml", "safe description"),
    ],
)
def test_corpus_cases_keep_the_safe_part(name: str, expected: str) -> None:
    values = [v for n, v in FRAGMENTS if n == name]
    assert values
    assert sanitize_html(values[-1], BASE, SETTINGS) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<p style="color:red" onclick="x()">Hi</p>', "<p>Hi</p>"),
        ('<a href="/x">l</a>', '<a href="https://n.example/x" rel="noopener">l</a>'),
        ('<a href="javascript:alert(1)">j</a>', '<a rel="noopener">j</a>'),
        ('<a href="JaVaScRiPt:alert(1)">j</a>', '<a rel="noopener">j</a>'),
        (
            '<a href="mailto:desk@example.com">m</a>',
            '<a href="mailto:desk@example.com" rel="noopener">m</a>',
        ),
        ('<img src="data:image/png;base64,AAAA">', ""),  # a placeholder is never published
        (
            '<img src="pic.jpg" alt="A">',
            '<img src="https://n.example/world/pic.jpg" alt="A">',
        ),
        ('<img src="//cdn.example.com/a.jpg">', '<img src="https://cdn.example.com/a.jpg">'),
        (  # the largest web candidate becomes src, for readers that ignore srcset
            '<img srcset="/a.jpg 1x, javascript:x 2x, b.jpg 3x">',
            '<img src="https://n.example/world/b.jpg" '
            'srcset="https://n.example/a.jpg 1x, https://n.example/world/b.jpg 3x">',
        ),
        # Lazy-loading images: the real URL lives in data-src.
        (
            '<img src="data:image/gif;base64,R0lGOD" data-src="/big.jpg">',
            '<img src="https://n.example/big.jpg">',
        ),
        ('<img data-lazy-src="/big.jpg">', '<img src="https://n.example/big.jpg">'),
        (
            '<img src="/placeholder.png" data-src="/big.jpg">',
            '<img src="https://n.example/big.jpg">',
        ),
        (
            '<img src="/real.jpg" data-src="/big.jpg">',
            '<img src="https://n.example/real.jpg">',
        ),
        # Iframes only from the configured hosts, and never with children.
        (
            '<iframe src="https://www.youtube.com/embed/x"><script>alert(1)</script></iframe>',
            '<iframe src="https://www.youtube.com/embed/x"></iframe>',
        ),
        ('<iframe src="https://evil.example/x"></iframe><p>after</p>', "<p>after</p>"),
        ("<script>alert(1)</script><style>p{}</style><form><input>f</form>", "f"),
        ("<object data=x><embed src=y></object><p>ok</p>", "<p>ok</p>"),
        ("<svg><script>alert(1)</script></svg>x", "x"),
        # nh3 does not check cite's scheme: ours does.
        ('<blockquote cite="javascript:x">b</blockquote>', "<blockquote>b</blockquote>"),
        ('<q cite="/src">q</q>', '<q cite="https://n.example/src">q</q>'),
        ("<p>a\x00b\x0bc\ufffe</p>", "<p>abc</p>"),
        ("<p>&nbsp;</p><br>", ""),
        (
            "<table><tr><td colspan=2>c</td></tr></table>",
            '<table><tbody><tr><td colspan="2">c</td></tr></tbody></table>',
        ),
    ],
)
def test_sanitize_table(html: str, expected: str) -> None:
    assert sanitize_html(html, BASE, SETTINGS) == expected


def test_content_base_wins_and_no_base_keeps_relative() -> None:
    assert 'href="https://other.example/base/x"' in sanitize_html(
        '<a href="x">x</a>', "https://other.example/base/", SETTINGS
    )
    assert 'href="x"' in sanitize_html('<a href="x">x</a>', None, SETTINGS)


def test_oversized_content_is_cut_at_a_tag_boundary() -> None:
    settings = NormalizeSettings(authority="a", max_content_bytes=1000)
    html = "<p>" + "word " * 150 + "</p><p>second paragraph</p>" * 50
    cleaned = sanitize_html(html, BASE, settings)
    assert len(cleaned.encode()) < 1100
    assert cleaned.startswith("<p>word word")
    assert "<p" not in cleaned[-4:]


def test_deep_nesting_is_flattened_before_parsing_quickly() -> None:
    settings = NormalizeSettings(authority="a", max_html_depth=50)
    html = "<div>" * 60_000 + "deep" + "</div>" * 60_000
    started = time.perf_counter()
    cleaned = sanitize_html(html, BASE, settings)
    assert time.perf_counter() - started < 5
    assert "deep" in cleaned
    assert cleaned.count("<div>") == 50


def test_unclosed_paragraphs_are_siblings_not_nesting() -> None:
    settings = NormalizeSettings(authority="a", max_html_depth=5)
    html = "".join(f"<p>para {i}" for i in range(40))
    assert sanitize_html(html, BASE, settings).count("<p>") == 40
