"""Any text in any RawItem field gives an Article that serializes to XML and JSON."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from sources.errors import NormalizeError
from sources.model.raw import RawImage, RawItem
from sources.model.spec import NormalizeSettings, SourceSpec
from sources.normalize import normalize

SOURCE = SourceSpec(
    id="any",
    kind="feed",
    url="https://www.example.com/feed",
    interval_seconds=300,
    section="news",
    timezone="Asia/Kolkata",
    id_pattern=r"(\d+)",
)
SETTINGS = NormalizeSettings(authority="news.example.com", title_max=80, summary_max=200)
NOW = datetime(2026, 3, 1, tzinfo=UTC)
# Any code point, surrogates and controls included, mixed with markup and URL pieces.
TEXT = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=60),
    st.lists(
        st.sampled_from(
            [
                "<",
                ">",
                "&",
                "&amp;",
                "&#1;",
                "&#xD800;",
                "<b>",
                "</p>",
                "<script>",
                "<img src=",
                '"',
                "javascript:",
                "//",
                "http://",
                "\x00",
                "\u202e",
                "\ufeff",
                "\ud800",
                "é",
                " ",
                "on",
                "load=",
                "<iframe src='https://www.youtube.com/x'>",
                "data-src=",
                "\x0c",
            ]
        ),
        max_size=20,
    ).map("".join),
)
MAYBE = st.none() | TEXT
IMAGE = st.builds(
    RawImage, url=TEXT, type=MAYBE, width=MAYBE, height=MAYBE, caption=MAYBE, credit=MAYBE
)
RAW = st.builds(
    RawItem,
    source_id=st.just("any"),
    upstream_id=MAYBE,
    url=st.one_of(MAYBE, TEXT.map(lambda t: "https://www.example.com/" + t)),
    title=MAYBE,
    title_is_html=st.booleans(),
    summary=MAYBE,
    content=MAYBE,
    content_base=MAYBE,
    authors=st.lists(TEXT, max_size=3).map(tuple),
    categories=st.lists(TEXT, max_size=3).map(tuple),
    countries=st.lists(TEXT, max_size=3).map(tuple),
    section=MAYBE,
    published=MAYBE,
    updated=MAYBE,
    images=st.lists(IMAGE, max_size=2).map(tuple),
    language=MAYBE,
    status=MAYBE,
    base_url=MAYBE,
)


def _texts(value: object) -> list[str]:
    """Every string inside an Article (nested images and tuples included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple | list):
        return [s for v in value for s in _texts(v)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for f in dataclasses.fields(value) for s in _texts(getattr(value, f.name))]
    return []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RAW)
def test_any_text_gives_serializable_article(raw: RawItem) -> None:
    try:
        article = normalize(raw, SOURCE, SETTINGS, now=NOW)
    except NormalizeError:
        return  # refusing an unusable item, with a message, is allowed
    for text in _texts(article):
        etree.fromstring(f"<x>{escape(text)}</x>")
    assert "\u202e" not in article.title + article.summary
    assert len(article.title) <= 80 and len(article.summary) <= 200
    assert article.url.startswith(("http://", "https://"))
    json.dumps(dataclasses.asdict(article), default=str, ensure_ascii=False).encode("utf-8")
