"""Pushed articles through the door: all of a batch stored durably with its audit, or none."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Connection

from feeds.archive import archived, audit, originals
from feeds.archive.engine import Store
from feeds.intake.batch import admitted
from feeds.intake.rules import IntakeRules
from feeds.intake.take import take_all
from feeds.metrics import ARTICLES
from sources.errors import RejectedBatch, problem
from sources.model.article import Status
from sources.model.raw import RawItem
from sources.model.spec import SourceSpec
from sources.normalize import article_id_in, identity_keys, upstream_key


class Read(Protocol):
    """A posted body as the push kind reads it (sources/kinds/push.py)."""

    @property
    def items(self) -> list[RawItem]:
        """The raw items, every field valid."""

    @property
    def ignored(self) -> list[dict[str, object]]:
        """Unknown fields, named with their item: accepted, but not used."""


# The push kind's reading of a posted body: raw items, or RejectedBatch
Reader = Callable[[bytes, SourceSpec, Mapping[str, tuple[str, ...]]], Read]


@dataclass(slots=True)
class Done:
    """What a push or a withdrawal changed."""

    feeds: set[str] = field(default_factory=set)
    articles: list[dict[str, str | None]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    ignored: list[dict[str, object]] = field(default_factory=list)  # unknown fields, not used

    def summary(self) -> dict[str, object]:
        """The JSON answer's body."""
        return {"articles": self.articles, **self.counts}


@dataclass(frozen=True, slots=True)
class PushIntake:
    """The push API's way in: a posted body read by the push kind, then taken durably."""

    archive: Store
    source: SourceSpec
    rules: IntakeRules
    read: Reader

    def post(self, body: bytes, *, actor: str, now: datetime) -> Done:
        """Read every article of a posted body, then store them all, or raise RejectedBatch."""
        read = self.read(body, self.source, self.rules.normalize.section_aliases)
        done = store(self.archive, self.source, read.items, self.rules, actor=actor, now=now)
        done.ignored = read.ignored
        return done

    def withdraw(self, ref: str, *, actor: str, now: datetime) -> Done | None:
        """Withdraw one article by its id, guid or the id it was posted with."""
        return withdraw(
            self.archive, ref, self.rules, source_id=self.source.id, actor=actor, now=now
        )


def store(
    archive: Store,
    source: SourceSpec,
    raws: Sequence[RawItem],
    rules: IntakeRules,
    *,
    actor: str,
    now: datetime,
) -> Done:
    """Store a read batch and its audit entries in one fully synced transaction."""
    raws = admitted(raws)  # as stored: what the answer and the audit name is what is kept
    with archive.begin(durable=True) as conn:
        result = take_all(conn, source, raws, rules, now=now)
        if result.rejected:  # refuse whole rather than store a part
            problems = [problem(None, result.fields.get(r), r) for r in result.rejected]
            raise RejectedBatch.nothing_stored(problems)
        done = Done(
            result.feeds,
            counts={"new": result.new, "edited": result.edited, "unchanged": result.unchanged},
        )
        for raw in raws:
            found = archived.find(conn, identity_keys(raw, source))
            assert found is not None, "an article taken in this transaction is findable"
            done.articles.append(
                {"id": found.id, "guid": found.guid, "upstream_id": raw.upstream_id}
            )
            audit.record(
                conn,
                at=now,
                actor=actor,
                action="post",
                article_id=found.id,
                detail={"upstream_id": raw.upstream_id, "url": raw.url},
            )
    ARTICLES.labels("new").inc(result.new)
    ARTICLES.labels("edited").inc(result.edited)
    return done


def withdraw(
    archive: Store, ref: str, rules: IntakeRules, *, source_id: str, actor: str, now: datetime
) -> Done | None:
    """Mark an article withdrawn (its feeds then carry a tombstone); None if unknown."""
    with archive.begin(durable=True) as conn:
        article_id = _resolve(conn, ref, source_id)
        article = archived.get(conn, article_id) if article_id else None
        kept = originals.stored_raw(conn, article_id) if article_id else None
        if article is None or kept is None:
            return None
        done = Done(
            articles=[{"id": article.id, "guid": article.guid, "upstream_id": article.upstream_id}]
        )
        if article.status is not Status.WITHDRAWN:
            raw = dataclasses.replace(kept[0], status="withdrawn")
            # a fresh raw hash: posting the original again is an edit that brings it back
            mark = hashlib.sha256(f"{article.raw_hash}:withdrawn".encode()).hexdigest()
            gone = dataclasses.replace(
                article, status=Status.WITHDRAWN, embargo_until=None, raw_hash=mark
            )
            feeds = rules.feeds_of(article)
            done.feeds = archived.save(conn, gone, raw, feeds=feeds, first_seen=kept[1], now=now)
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="withdraw",
            article_id=article.id,
            detail={"ref": ref[:300], "feeds": sorted(done.feeds)},
        )
    return done


def _resolve(conn: Connection, ref: str, source_id: str) -> str | None:
    """An article id from the id it was posted with, its own id, or its guid."""
    found = archived.find(conn, [upstream_key(source_id, ref)])
    if found is not None:
        return found.id
    candidate = article_id_in(ref)
    article = archived.get(conn, candidate) if candidate else None
    if article is None or (ref != article.id and article.guid != ref):
        return None
    return article.id
