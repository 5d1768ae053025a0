"""Old stories no adopted item matched: listed for `adopt`, released by --include-unmatched."""

from __future__ import annotations

from datetime import datetime

from feeds.archive import archived, originals
from feeds.archive.engine import Store
from feeds.intake.adoption import released
from feeds.intake.rules import IntakeRules
from sources.model.article import Article


def listed(store: Store) -> list[Article]:
    """Every withheld article, by id."""
    with store.read() as conn:
        return [kept.article for kept in originals.withheld(conn)]


def release(store: Store, rules: IntakeRules, *, now: datetime) -> tuple[int, set[str]]:
    """Let every withheld article into its feeds; (how many, the feeds marked dirty)."""
    touched: set[str] = set()
    with store.begin() as conn:
        kept = originals.withheld(conn)
        for item in kept:
            article = released(item.article)
            feeds = rules.feeds_of(article)
            touched |= archived.save(
                conn, article, item.raw, feeds=feeds, first_seen=item.first_seen, now=now
            )
    return len(kept), touched
