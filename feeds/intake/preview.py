"""What intake would make of raw items, storing nothing (`newsfeeds try`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from feeds.intake.normal import article_of
from sources.model.article import Article
from sources.model.raw import RawItem
from sources.model.spec import NormalizeSettings, SourceSpec


def preview(
    source: SourceSpec, items: Sequence[RawItem], settings: NormalizeSettings, *, now: datetime
) -> tuple[list[Article], list[str]]:
    """The articles the items make, in order, and the reasons for those they cannot."""
    made: list[Article] = []
    rejected: list[str] = []
    for raw in items:
        article = article_of(raw, source, settings, now=now)
        if isinstance(article, str):
            rejected.append(article)
        else:
            made.append(article)
    return made, rejected
