"""A source's redistribution rights (`[[sources]] rights`, `images`): the one statement of them.

Normalization applies them to the article it makes; publishing applies them again to what
the archive holds, so a source whose rights were narrowed since is carried as it may be now.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

from sources.model.article import Article

Rights = Literal["full", "summary", "link", "exclude"]
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


def keeps_content(rights: Rights) -> bool:
    """May the full content be republished?"""
    return rights == "full"


def keeps_summary(rights: Rights) -> bool:
    """May the summary and the lead image be republished? (`link`: only title and link.)"""
    return rights != "link"


def is_published(rights: Rights) -> bool:
    """May any feed carry the source's articles? (`exclude`: archived only.)"""
    return rights != "exclude"


def as_published(article: Article, rights: Rights, images: bool) -> Article | None:
    """The article as a feed may carry it under these rights; None when no feed may."""
    if not is_published(rights):
        return None
    if not keeps_content(rights):
        article = dataclasses.replace(article, content=None)
    if not keeps_summary(rights):  # the title and the link, nothing of the story: no photo
        article = dataclasses.replace(article, summary="", image=None)
    if not images:
        content = _IMG.sub("", article.content) if article.content else None
        article = dataclasses.replace(article, image=None, content=content)
    return article
