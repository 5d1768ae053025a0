"""The archive's JSON encodings stay byte-identical to the dataclasses' own view."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime

from feeds.archive.codec import dump_article, dump_raw, load_article, load_raw
from sources.model.article import Article, Image, Status
from sources.model.raw import RawImage, RawItem

RAW = RawItem(
    source_id="wire",
    upstream_id="a-1",
    url="https://news.example.com/a",
    title="<b>T</b> \ud800",
    categories=("World", "India"),
    images=(RawImage(url="https://news.example.com/i.jpg", caption="c", width="10"),),
)
ARTICLE = Article(
    id="abc",
    guid="tag:news.example.com,2026:article/abc",
    url="https://news.example.com/a",
    title="T",
    summary="S",
    content="<p>x</p>",
    section="world",
    published=datetime(2026, 3, 1, 9, 15, tzinfo=UTC),
    updated=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
    source_id="wire",
    raw_hash="h",
    normalizer_version=2,
    countries=("IN", "US"),
    image=Image(url="https://news.example.com/i.jpg", width=10, caption="c"),
    status=Status.WITHDRAWN,
    extra=(("k", "v"),),
)


def test_raw_hash_payload_is_what_asdict_gives() -> None:
    # stored raw hashes were computed from asdict(): a different payload is a storm of edits
    expected = json.dumps(asdict(RAW), sort_keys=True, ensure_ascii=False)
    assert json.dumps(RAW.as_dict(), sort_keys=True, ensure_ascii=False) == expected


def test_round_trips() -> None:
    assert load_raw(dump_raw(RAW)) == RAW
    assert load_article(dump_article(ARTICLE)) == ARTICLE


def test_article_json_is_what_asdict_gives() -> None:
    data = asdict(ARTICLE)
    for key in ("published", "updated", "embargo_until"):
        data[key] = data[key].isoformat() if data[key] else None
    data["status"] = ARTICLE.status.value
    expected = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert dump_article(ARTICLE) == expected
