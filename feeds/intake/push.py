"""Pushed articles: check every field of a batch, then store all durably, or none."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Connection

from feeds import intake
from feeds.archive import archived, audit, originals
from feeds.archive.engine import Store
from feeds.catalog import keys_for
from feeds.metrics import ARTICLES
from sources.errors import SourceError
from sources.kinds.push_fields import Problem, check, problem
from sources.kinds.records import MAX_DEPTH, items_from_records, json_depth
from sources.model.article import Status
from sources.model.raw import RawItem
from sources.model.spec import SourceSpec
from sources.normalize import identity_keys, normalize

PUSH_SOURCE = "push"
_GUID = re.compile(r"article/([0-9a-f]{24})$")


class Invalid(Exception):
    """A batch refused whole: 400 (not JSON) or 422 (fields), with every problem listed."""

    def __init__(self, status: int, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.problems = status, message, problems or []


@dataclass(slots=True)
class Done:
    """What a push or a withdrawal changed."""

    feeds: set[str] = field(default_factory=set)
    articles: list[dict[str, str | None]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        """The JSON answer's body."""
        return {"articles": self.articles, **self.counts}


def decode(body: bytes) -> list[object]:
    """The posted JSON: one article object or a list of them; 400 for anything unreadable."""
    try:
        value = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise Invalid(400, f"the body is not UTF-8 (byte {exc.start})") from exc
    except RecursionError as exc:  # json.loads recurses once per nesting level
        raise Invalid(400, "the JSON is nested too deeply") from exc
    except json.JSONDecodeError as exc:
        raise Invalid(400, f"invalid JSON: {exc.msg} at line {exc.lineno}") from exc
    if json_depth(value) > MAX_DEPTH:
        raise Invalid(400, f"the JSON is nested more than {MAX_DEPTH} levels deep")
    records = value if isinstance(value, list) else [value]
    if not records:
        raise Invalid(422, "no articles in the batch")
    return records


def validate(
    records: Sequence[object], source: SourceSpec, rules: intake.IntakeRules, now: datetime
) -> list[RawItem]:
    """Raw items for a batch in which every field is valid; else Invalid(422) naming each."""
    aliases = rules.normalize.section_aliases
    problems = [p for i, r in enumerate(records) for p in check(i, r, aliases)]
    if problems:
        raise Invalid(422, "invalid articles: nothing was stored", problems)
    try:
        raws = items_from_records(source.id, "push.json", json.dumps(list(records)).encode())
    except SourceError as exc:
        whole = [problem(None, None, str(exc))]
        raise Invalid(422, "invalid articles: nothing was stored", whole) from exc
    for i, raw in enumerate(raws):
        try:
            normalize(raw, source, rules.normalize, now=now)
        except SourceError as exc:
            problems.append(problem(i, None, str(exc)))
    if problems:
        raise Invalid(422, "invalid articles: nothing was stored", problems)
    return raws


def store(
    archive: Store,
    source: SourceSpec,
    raws: Sequence[RawItem],
    rules: intake.IntakeRules,
    *,
    actor: str,
    now: datetime,
) -> Done:
    """Store a validated batch and its audit entries in one fully synced transaction."""
    with archive.begin(durable=True) as conn:
        result = intake.take_all(conn, source, raws, rules, now=now)
        if result.rejected:  # validated already; refuse whole rather than store a part
            raise Invalid(
                422,
                "invalid articles: nothing was stored",
                [problem(None, None, r) for r in result.rejected],
            )
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
    archive: Store, ref: str, rules: intake.IntakeRules, *, actor: str, now: datetime
) -> Done | None:
    """Mark an article withdrawn (its feeds then carry a tombstone); None if unknown."""
    with archive.begin(durable=True) as conn:
        article_id = _resolve(conn, ref)
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
            feeds = (
                set()
                if article.source_id in rules.unpublished_sources
                else {k.name for k in keys_for(article, rules.combos)}
            )
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


def _resolve(conn: Connection, ref: str) -> str | None:
    """An article id from the id it was posted with, its own id, or its guid."""
    found = archived.find(conn, [f"up:{PUSH_SOURCE}:{ref}"])
    if found is not None:
        return found.id
    m = _GUID.search(ref)
    candidate = m.group(1) if m else ref
    article = archived.get(conn, candidate) if re.fullmatch(r"[0-9a-f]{24}", candidate) else None
    if article is None or (m is not None and article.guid != ref):
        return None
    return article.id
