"""Plain text for titles and summaries, including feedparser's entity and encoding cases."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser
import pytest
from lxml import etree

from sources.normalize import plain_text

CORPUS = Path("/work/shared/corpus/feedparser/tests")
if not CORPUS.is_dir():  # CI lays shared/ beside the clone
    CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus/feedparser/tests"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("AT&amp;T &mdash; <b>deal</b>", "AT&T — deal"),
        # HTML named entities that XML does not define.
        ("a&nbsp;b &rsquo;c&rsquo; &hellip; &eacute;", "a b ’c’ … é"),
        # Double escaping: the publisher escaped twice.
        ("AT&amp;amp;T", "AT&T"),
        ("&amp;lt;b&amp;gt;Bold&amp;lt;/b&amp;gt; news", "Bold news"),
        # One level of escaping of literal text: "x &lt; y" is prose, not a tag.
        ("x &lt; y &amp;&amp; y &gt; z", "x < y && y > z"),
        ("<p>One</p><p>Two<br>Three</p>", "One Two Three"),
        ("<script>alert(1)</script>Safe<style>p{}</style> text<!-- c -->", "Safe text"),
        ("  lots \n\t of   space  ", "lots of space"),
        # Characters XML 1.0 forbids, bidi controls and zero-width characters.
        ("a\x00b\x1bc\ufffed\ud800e", "abcde"),
        ("\u202eevil\u202c \u2066x\u2069 z\u200bw\ufeff\u2060\u200e", "evil x zw"),
        ("&#1;&#xFEFF;ok&#x202E;", "ok"),
        # UTF-8 read as cp1252, once (feedparser's demoronize/double-encoded cases).
        ("donâ€™t", "don’t"),
        ("&#226;&#128;&#166;", "…"),
        # Real non-ASCII text is left alone.
        ("Zürich – Øresund Ünïcødé 년", "Zürich – Øresund Ünïcødé 년"),
    ],
)
def test_plain_text(given: str, expected: str) -> None:
    assert plain_text(given, 300) == expected


def test_literal_title_keeps_ampersands_but_never_tag_shaped_text() -> None:
    # A literal title keeps its entities as text, but tag-shaped text goes: readers strip or
    # render it, and an escaped <script> in a plain title must never reach a feed as markup.
    assert plain_text("AT&T <b> vs &amp;", 300, is_html=False) == "AT&T vs &amp;"
    assert plain_text("AT&T <b>\u202e\x01", 300, is_html=False) == "AT&T"
    assert plain_text("1 < 2 and 3 > 2", 300, is_html=False) == "1 < 2 and 3 > 2"


@pytest.mark.parametrize(
    ("given", "max_len", "expected"),
    [
        ("The quick brown fox jumps", 100, "The quick brown fox jumps"),
        ("The quick brown fox jumps", 16, "The quick brown…"),
        ("The quick brown fox jumps", 15, "The quick…"),
        ("Supercalifragilisticexpialidocious", 10, "Supercali…"),
        ("中文新闻标题没有空格的长句子", 6, "中文新闻标…"),
    ],
)
def test_truncates_at_a_word_boundary(given: str, max_len: int, expected: str) -> None:
    found = plain_text(given, max_len)
    assert found == expected
    assert len(found) <= max_len


def _entity_cases() -> list[tuple[str, str]]:
    """(raw title markup, expected text) from feedparser's entities/ files."""
    cases = []
    for path in sorted((CORPUS / "entities").glob("*.xml")):
        text = path.read_text("utf-8", "replace")
        expect = re.search(r"Expect:\s*feed\['title'\] == ('.*')\s*$", text, re.M)
        raw = re.search(r"<title>(.*?)</title>", text, re.S)
        if expect and raw:
            cases.append((raw.group(1), ast.literal_eval(expect.group(1))))
    return cases


ENTITY_CASES = _entity_cases()
_OUR_RULES = {
    0x200C: None,
    0x200D: None,
    0x200E: None,
    0x200F: None,
    0x2329: 0x27E8,
    0x232A: 0x27E9,
}


def test_entity_corpus_was_found() -> None:
    assert len(ENTITY_CASES) > 200


@pytest.mark.parametrize(("markup", "expected"), ENTITY_CASES, ids=[c[0] for c in ENTITY_CASES])
def test_feedparser_entity_cases(markup: str, expected: str) -> None:
    # Same text as feedparser expects, whitespace (incl. U+00A0) collapsed, and our rules on
    # top: bidi marks and zero-width joiners removed; &lang;/&rang; are HTML5's U+27E8/9
    # (feedparser keeps HTML 4's deprecated U+2329/A).
    expected = expected.translate(_OUR_RULES)
    assert plain_text(markup, 300) == " ".join(expected.split())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("double-encoded-html.xml", "…"),
        ("demoronize-1.xml", "don’t"),
        ("demoronize-2.xml", "don’t"),
        ("euc-kr-item.xml", "년"),
    ],
)
def test_feedparser_encoding_cases(name: str, expected: str) -> None:
    """Text feedparser decoded from odd encodings comes out as the intended characters."""
    parsed = feedparser.parse((CORPUS / "encoding" / name).read_bytes())
    entry = parsed.entries[0] if parsed.entries else {}
    source = entry.get("description") or entry.get("title") or parsed.feed.get("title", "")
    assert plain_text(source, 300) == expected


@pytest.mark.parametrize("path", sorted((CORPUS / "encoding").glob("*.xml")), ids=lambda p: p.name)
def test_every_encoding_case_gives_xml_safe_text(path: Path) -> None:
    """Whatever feedparser decodes from the encoding corpus, the text is XML-embeddable."""
    parsed = feedparser.parse(path.read_bytes(), sanitize_html=False, resolve_relative_uris=False)
    values = [parsed.feed.get("title", "")] + [
        e.get(k, "") for e in parsed.entries for k in ("title", "summary", "description")
    ]
    for value in values:
        text = plain_text(value, 300)
        etree.fromstring(f"<x>{escape(text)}</x>")
        assert "\ufffe" not in text and "\x00" not in text


def test_tag_removal_does_not_rejoin_into_a_tag() -> None:
    # soak finding: one pass over "<scr<script>ipt>" rejoined the halves into "<script>"
    joined = plain_text("&lt;scr&lt;script&gt;ipt&gt;alert(1)&lt;/script&gt;", 500)
    assert "<" not in joined and joined == "alert(1)"
