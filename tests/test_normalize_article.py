"""normalize() end to end: one fixture file per quirk, expected fields beside the input."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sources.errors import NormalizeError
from sources.model.article import Article, Image
from sources.model.raw import RawImage, RawItem
from sources.model.spec import NormalizeSettings, SourceSpec
from sources.normalize import NORMALIZER_VERSION, identity_keys, normalize

FIXTURES = Path(__file__).parent / "fixtures" / "normalize"
SETTINGS = NormalizeSettings(
    authority="news.example.com",
    section_aliases={"business-economy": ("Business", "Markets"), "world": ("International",)},  # type: ignore[arg-type]
)
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _source(spec: dict[str, Any]) -> SourceSpec:
    fields = {"kind": "feed", "interval_seconds": 300, **spec}
    for name in ("countries", "authors"):
        fields[name] = tuple(fields.get(name, ()))
    return SourceSpec(**fields)


def _raw(source_id: str, spec: dict[str, Any]) -> RawItem:
    fields = dict(spec)
    fields["images"] = tuple(RawImage(**i) for i in fields.get("images", ()))
    for name in ("authors", "categories", "countries"):
        fields[name] = tuple(fields.get(name, ()))
    return RawItem(source_id=source_id, **fields)


def _plain(value: object) -> object:
    """An Article field as JSON would hold it."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Image):
        return dataclasses.asdict(value)
    if isinstance(value, tuple):
        return list(value)
    return value


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_fixture(path: Path) -> None:
    case = json.loads(path.read_text("utf-8"))
    source = _source(case["source"])
    raw = _raw(source.id, case["raw"])
    now = datetime.fromisoformat(case["now"])
    first_seen = datetime.fromisoformat(case["first_seen"]) if "first_seen" in case else None
    if "error" in case:
        with pytest.raises(NormalizeError, match=case["error"]):
            normalize(raw, source, SETTINGS, now=now, first_seen=first_seen)
        return
    article = normalize(raw, source, SETTINGS, now=now, first_seen=first_seen)
    found = {name: _plain(getattr(article, name)) for name in case["expected"]}
    assert found == case["expected"]
    _check_invariants(article, raw, source)


def _check_invariants(article: Article, raw: RawItem, source: SourceSpec) -> None:
    """What holds for every article, whatever the fixture."""
    key = identity_keys(raw, source)[0]
    assert article.id == hashlib.sha256(key.encode()).hexdigest()[:24]
    assert article.guid == f"tag:news.example.com,{article.published.year}:article/{article.id}"
    assert article.published.tzinfo is UTC and article.updated.tzinfo is UTC
    assert article.updated >= article.published
    assert article.raw_hash == raw.content_hash()
    assert article.normalizer_version == NORMALIZER_VERSION
    assert article.source_id == source.id


def test_fixtures_were_found() -> None:
    assert len(list(FIXTURES.glob("*.json"))) >= 10


def test_same_article_over_http_and_https_gets_one_id_and_guid() -> None:
    source = _source({"id": "s", "url": "https://example.com/feed", "section": "news"})
    one = _raw(
        "s", {"url": "http://example.com/a?utm_source=x", "title": "A", "published": "2026-01-01"}
    )
    two = _raw(
        "s", {"url": "https://EXAMPLE.com/a#top", "title": "A (updated)", "published": "2026-01-01"}
    )
    first = normalize(one, source, SETTINGS, now=NOW)
    second = normalize(two, source, SETTINGS, now=NOW)
    assert (first.id, first.guid) == (second.id, second.guid)
    assert first.raw_hash != second.raw_hash


def test_normalize_is_pure() -> None:
    source = _source({"id": "s", "url": "https://example.com/feed", "section": "news"})
    raw = _raw("s", {"url": "/a", "title": "A"})
    assert normalize(raw, source, SETTINGS, now=NOW) == normalize(raw, source, SETTINGS, now=NOW)
    assert normalize(raw, source, SETTINGS, now=NOW).published == NOW
