"""Apply a partner's rule pack to a feed's articles: what is served, what is held and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from feeds.catalog import FeedMeta
from feeds.partners import Partner
from feeds.preflight.packs import PACKS
from feeds.preflight.rules import Context
from sources.model.article import Article


@dataclass(frozen=True, slots=True)
class Held:
    """An item left out of one partner's feed, with the first rule it broke."""

    partner: str
    feed: str
    guid: str
    url: str
    title: str
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class FeedProblem:
    """A feed-level rule the partner feed breaks (reported; it holds nothing)."""

    partner: str
    feed: str
    rule: str
    reason: str


@dataclass(slots=True)
class Verdict:
    """One partner feed after preflight."""

    partner: str = ""
    feed: str = ""
    kept: list[Article] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    problems: list[FeedProblem] = field(default_factory=list)


def preflight(
    partner: Partner,
    meta: FeedMeta,
    articles: Sequence[Article],
    now: datetime,
    hubs: tuple[str, ...] = (),
) -> Verdict:
    """Check every article against the partner's pack; report the feed-level rules too."""
    pack = PACKS[partner.profile]
    feed = meta.key.name
    ctx = Context(now=now, partner=partner, meta=meta, hubs=hubs)
    verdict = Verdict(partner.id, feed)
    for article in articles:
        broken = next(
            ((rule.name, why) for rule in pack.items if (why := rule.check(article, ctx))), None
        )
        if broken is None:
            verdict.kept.append(article)
            continue
        name, why = broken
        if why.startswith("image-size-pending"):
            name = "image-size-pending"  # a probe result would release it
        verdict.held.append(
            Held(partner.id, feed, article.guid, article.url, article.title, name, why)
        )
    counted = Context(now, partner, meta, hubs, kept=len(verdict.kept), held=len(verdict.held))
    for rule in pack.feeds:
        why = rule.check(counted)
        if why:
            verdict.problems.append(FeedProblem(partner.id, feed, rule.name, why))
    return verdict
