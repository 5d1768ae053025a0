"""What intake needs from config, and what one batch did to the archive."""

from __future__ import annotations

from dataclasses import dataclass, field

from feeds.catalog import ComboRule, feed_names
from sources.model.article import Article
from sources.model.legacy import WITHHELD, extra_value
from sources.model.spec import NormalizeSettings


@dataclass(slots=True)
class IntakeResult:
    """What one batch did to the archive."""

    new: int = 0
    edited: int = 0
    unchanged: int = 0
    rejected: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # a rejection -> the field it names
    feeds: set[str] = field(default_factory=set)
    article_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IntakeRules:
    """The plain values intake needs from config."""

    normalize: NormalizeSettings
    combos: ComboRule
    unpublished_sources: frozenset[str] = frozenset()  # rights = "exclude": archived only
    # every source's id_pattern: adopted items are matched by them whichever way a story
    # arrives (a pushed story has no id_pattern of its own)
    id_patterns: tuple[str, ...] = ()

    def feeds_of(self, article: Article) -> set[str]:
        """The feeds an article belongs in; none when its source is archived only (exclude),
        or while it is withheld as an old story no adopted item matched."""
        if extra_value(article.extra, WITHHELD):
            return set()
        return feed_names(article, self.combos, self.unpublished_sources)
