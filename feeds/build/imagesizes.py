"""Probed image sizes applied to the articles partner feeds are checked and made from.

A size from the source always wins; a probed one fills in only what the source left out.
Public feeds are not changed by a probe: only preflight's view of the article is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy.engine import Connection

from feeds.archive import image_sizes
from sources.model.article import Article


def unsized(article: Article) -> str | None:
    """The lead image's URL when the source gave no width or height for it."""
    image = article.image
    if image is None or (image.width and image.height):
        return None
    return image.url


def with_sizes(conn: Connection, articles: Sequence[Article]) -> list[Article]:
    """The articles, each unsized lead image given its probed size where one is stored."""
    urls = {u for a in articles if (u := unsized(a))}
    if not urls:
        return list(articles)
    sizes = image_sizes.probed(conn, urls)
    return [_sized(a, sizes) for a in articles]


def _sized(article: Article, sizes: dict[str, tuple[int, int] | None]) -> Article:
    url = unsized(article)
    size = sizes.get(url) if url else None
    if article.image is None or size is None:
        return article
    image = dataclasses.replace(article.image, width=size[0], height=size[1])
    return dataclasses.replace(article, image=image)
