"""Re-normalize stored raw items with today's rules, keeping identity and dates."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from feeds.archive import archived, originals
from feeds.archive.engine import Store
from feeds.intake.normal import article_of
from feeds.intake.rules import IntakeRules
from sources.model.article import Article
from sources.model.spec import SourceSpec

# A reprocessed article keeps what readers already hold: its identity (legacy ids in
# `extra` too) and its dates (the raw item did not change, so this is no edit and `updated`
# must not move).
KEPT = ("id", "guid", "published", "updated", "extra")
# A new normalizer version alone changes nothing a reader sees: not worth a rewrite.
UNSEEN = frozenset({"normalizer_version"})


@dataclass(frozen=True, slots=True)
class Change:
    """One archived article as today's normalizer makes it, and which fields moved."""

    kept: originals.Kept
    article: Article
    fields: tuple[str, ...]


def renormalized(
    kept: originals.Kept, source: SourceSpec, rules: IntakeRules, now: datetime
) -> Change | str:
    """Normalize a stored raw item again, keeping identity and dates; a str says why not."""
    fresh = article_of(kept.raw, source, rules.normalize, now=now, first_seen=kept.first_seen)
    if isinstance(fresh, str):
        return fresh
    old = kept.article
    fresh = dataclasses.replace(fresh, **{name: getattr(old, name) for name in KEPT})
    moved = tuple(
        f.name
        for f in dataclasses.fields(Article)
        if f.name not in UNSEEN and getattr(fresh, f.name) != getattr(old, f.name)
    )
    return Change(kept, fresh, moved)


def plan(
    store: Store,
    specs: Mapping[str, SourceSpec],
    rules: IntakeRules,
    source_ids: Sequence[str] | None,
    now: datetime,
) -> Iterator[list[Change | str]]:
    """Per archive batch: the articles that would change, and notes on those left alone."""
    with store.read() as conn:
        for batch in originals.iter_for_reprocess(conn, source_ids):
            out: list[Change | str] = []
            for kept in batch:
                spec = specs.get(kept.article.source_id)
                if spec is None:
                    out.append(f"{kept.article.id}: source {kept.article.source_id!r} is gone")
                    continue
                change = renormalized(kept, spec, rules, now)
                if isinstance(change, str):
                    out.append(
                        f"{kept.article.id}: left as it is, today's rules reject it: {change}"
                    )
                    continue
                if change.fields:
                    out.append(change)
            yield out


def apply(store: Store, changes: Sequence[Change], rules: IntakeRules, now: datetime) -> set[str]:
    """Store re-normalized articles in one transaction; return the feeds marked dirty."""
    touched: set[str] = set()
    with store.begin() as conn:
        for change in changes:
            touched |= archived.save(
                conn,
                change.article,
                change.kept.raw,
                feeds=rules.feeds_of(change.article),
                first_seen=change.kept.first_seen,
                now=now,
            )
    return touched
