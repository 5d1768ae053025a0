"""JSON Feed 1.1 documents (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from feeds.catalog import FeedMeta
from feeds.render import fields
from feeds.render.fields import clean, clean_opt
from sources.model.article import Article

VERSION = "https://jsonfeed.org/version/1.1"

# Items are serialized last and each starts with "id"; a string value can never hold this
# byte run unescaped, so budget.py can find item boundaries in the output.
ITEM_START = b'{"id": '
ITEMS_END = b"]}"


def render_json(meta: FeedMeta, articles: Sequence[Article]) -> bytes:
    """Render one JSON Feed 1.1 document as UTF-8."""
    doc = _feed(meta)
    doc["items"] = [_item(a) for a in articles]
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _feed(meta: FeedMeta) -> dict[str, Any]:
    """Top-level fields in a fixed order; `items` is added last by the caller."""
    title = clean(meta.title) or meta.key.name
    doc: dict[str, Any] = {
        "version": VERSION,
        "title": title,
        "home_page_url": clean(fields.home_url(meta)),
        "feed_url": clean(meta.self_url("json")),
    }
    if meta.description:
        doc["description"] = clean(meta.description)
    if meta.language:
        doc["language"] = clean(meta.language)
    if meta.icon_url:
        # Both are meant to be square; we have one square icon, so it serves as both.
        doc["icon"] = clean(meta.icon_url)
        doc["favicon"] = clean(meta.icon_url)
    doc["authors"] = [{"name": clean_opt(meta.author_name) or title}]
    if meta.hubs:
        doc["hubs"] = [{"type": "WebSub", "url": clean(h)} for h in meta.hubs]
    if meta.prev_archive_stem:
        # JSON Feed has no archive links; next_url pages to older items, as prev-archive does.
        doc["next_url"] = clean(meta.url_for(meta.prev_archive_stem, "json"))
    return doc


def _item(article: Article) -> dict[str, Any]:
    """One item; `id` must stay the first key (see ITEM_START)."""
    summary = clean(article.summary).strip()
    content = clean_opt(article.content)
    item: dict[str, Any] = {
        "id": fields.id_of(article, "json"),
        "url": clean(article.url),
        "title": fields.title_of(article),
    }
    if summary:
        item["summary"] = summary
    if content:
        item["content_html"] = content
    else:
        # JSON Feed 1.1 requires content_html or content_text on every item.
        item["content_text"] = summary
    if article.image:
        item["image"] = clean(article.image.url)
    item["date_published"] = fields.rfc3339(article.published)
    item["date_modified"] = fields.rfc3339(article.updated)
    authors = fields.authors_of(article)
    if authors:
        item["authors"] = [{"name": n} for n in authors]
    tags = list(dict.fromkeys([*fields.categories(article), *_tags(article)]))
    if tags:
        item["tags"] = tags
    if article.language:
        item["language"] = clean(article.language)
    return item


def _tags(article: Article) -> list[str]:
    """The article's own tags, cleaned, blanks dropped."""
    return [t for t in (clean(x).strip() for x in article.tags) if t]
