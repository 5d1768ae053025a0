"""Article <-> JSON text, as kept in the archive's `data` column."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sources.model.article import Article, Image, Status
from sources.model.raw import RawImage, RawItem

_ARTICLE_FIELDS = tuple(Article.__dataclass_fields__)


def dump_article(article: Article) -> str:
    """Serialize an Article to compact, stable JSON."""
    # built field by field: dataclasses.asdict deep-copies, which costs more than the encoding
    data: dict[str, Any] = {f: getattr(article, f) for f in _ARTICLE_FIELDS}
    data["image"] = asdict(article.image) if article.image is not None else None
    data["extra"] = [list(pair) for pair in article.extra]
    for key in ("published", "updated", "embargo_until"):
        value = data[key]
        data[key] = value.isoformat() if value is not None else None
    data["status"] = article.status.value
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def load_article(text: str) -> Article:
    """Rebuild an Article from its archived JSON."""
    d: dict[str, Any] = json.loads(text)
    image = d.get("image")
    return Article(
        id=d["id"],
        guid=d["guid"],
        url=d["url"],
        title=d["title"],
        summary=d["summary"],
        content=d.get("content"),
        section=d["section"],
        published=datetime.fromisoformat(d["published"]),
        updated=datetime.fromisoformat(d["updated"]),
        source_id=d["source_id"],
        raw_hash=d["raw_hash"],
        normalizer_version=d["normalizer_version"],
        authors=tuple(d.get("authors", ())),
        countries=tuple(d.get("countries", ())),
        tags=tuple(d.get("tags", ())),
        image=Image(**image) if image else None,
        language=d.get("language"),
        status=Status(d.get("status", "live")),
        embargo_until=(
            datetime.fromisoformat(d["embargo_until"]) if d.get("embargo_until") else None
        ),
        upstream_id=d.get("upstream_id"),
        extra=tuple(tuple(x) for x in d.get("extra", ())),  # type: ignore[misc]
    )


def dump_raw(raw: RawItem) -> str:
    """Serialize the raw upstream item, kept so `reprocess` can re-normalize it."""
    return json.dumps(raw.as_dict(), ensure_ascii=False, sort_keys=True)


def load_raw(text: str) -> RawItem:
    """Rebuild a RawItem from its archived JSON."""
    d: dict[str, Any] = json.loads(text)
    d["images"] = tuple(RawImage(**img) for img in d.get("images", ()))
    for key in ("authors", "categories", "countries"):
        d[key] = tuple(d.get(key, ()))
    return RawItem(**d)
