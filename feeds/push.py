"""Pushed articles: check every field of a batch, then store all durably, or none."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.engine import Connection

from feeds import intake
from feeds.archive import articles as archived
from feeds.archive import audit
from feeds.archive.engine import Store
from feeds.catalog import keys_for
from feeds.metrics import ARTICLES
from sources.article import Status
from sources.cms_record import MAX_DEPTH, items_from_records
from sources.errors import SourceError
from sources.normalize import identity_keys, normalize
from sources.normalize.dates import parse_date
from sources.normalize.taxonomy import explicit_country_codes, section_for
from sources.raw import RawItem
from sources.spec import SourceSpec

PUSH_SOURCE = "push"
STATUSES = ("published", "live", "withdrawn", "deleted", "unpublished")
_TEXT = ("summary", "content_html", "language")
_NAMES = ("authors", "tags")
_GUID = re.compile(r"article/([0-9a-f]{24})$")

Problem = dict[str, object]


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
    if _depth(value) > MAX_DEPTH:
        raise Invalid(400, f"the JSON is nested more than {MAX_DEPTH} levels deep")
    records = value if isinstance(value, list) else [value]
    if not records:
        raise Invalid(422, "no articles in the batch")
    return records


def _depth(value: object) -> int:
    """How deeply lists and objects nest (iterative, so no recursion limit applies)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, level = stack.pop()
        if isinstance(current, dict):
            current = list(current.values())
        if isinstance(current, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in current)
    return deepest


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
        problem = [_problem(None, None, str(exc))]
        raise Invalid(422, "invalid articles: nothing was stored", problem) from exc
    for i, raw in enumerate(raws):
        try:
            normalize(raw, source, rules.normalize, now=now)
        except SourceError as exc:
            problems.append(_problem(i, None, str(exc)))
    if problems:
        raise Invalid(422, "invalid articles: nothing was stored", problems)
    return raws


def check(index: int, record: object, aliases: object) -> list[Problem]:
    """Every problem with one posted article, by field name."""
    if not isinstance(record, dict):
        return [_problem(index, None, "must be an object")]
    out = [_problem(index, k, "unknown field") for k in record if k not in _CHECKS]
    for name, rule in _CHECKS.items():
        value = record.get(name)
        if value is None:
            if name in ("title", "url"):
                out.append(_problem(index, name, "is required"))
            continue
        reason = rule(value, aliases)
        if reason:
            out.append(_problem(index, name, reason))
    return out


def _problem(index: int | None, name: str | None, reason: str) -> Problem:
    return {"item": index, "field": name, "reason": reason}


def _text(value: object, _: object) -> str | None:
    return None if isinstance(value, str) else "must be text"


def _title(value: object, _: object) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be non-empty text"


def _id(value: object, _: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip() and len(value) <= 500:
        return None
    return "must be non-empty text (at most 500 characters) or a whole number"


def _url(value: object, _: object) -> str | None:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an absolute http(s) URL"
    return None


def _date(value: object, _: object) -> str | None:
    if isinstance(value, str) and parse_date(value, "UTC") is not None:
        return None
    return "must be a date such as 2026-03-01T09:15:00Z (RFC 3339)"


def _section(value: object, aliases: object) -> str | None:
    if isinstance(value, str) and section_for((value,), "", aliases)[0]:  # type: ignore[arg-type]
        return None
    return "is not a configured section or one of its aliases"


def _names(value: object, _: object) -> str | None:
    values = value if isinstance(value, list) else [value]
    if all(
        isinstance(v, str) or (isinstance(v, dict) and isinstance(v.get("name"), str))
        for v in values
    ):
        return None
    return "must be a name or a list of names"


def _countries(value: object, aliases: object) -> str | None:
    bad = _names(value, aliases)
    if bad:
        return bad
    values = value if isinstance(value, list) else [value]
    unknown = [v for v in values if isinstance(v, str) and not explicit_country_codes([v])]
    return f"not a country: {', '.join(map(repr, unknown))}" if unknown else None


def _status(value: object, _: object) -> str | None:
    return None if value in STATUSES else f"must be one of {', '.join(STATUSES)}"


def _image(value: object, _: object) -> str | None:
    url = value.get("url") if isinstance(value, dict) else value
    if _url(url, None):
        return "must be an image URL or an object with an absolute http(s) url"
    if isinstance(value, dict):
        if any(k not in ("url", "type", "width", "height", "caption", "credit") for k in value):
            return "has an unknown field (url, type, width, height, caption, credit)"
        if any(not isinstance(value.get(k), int | str | type(None)) for k in ("width", "height")):
            return "width and height must be numbers"
    return None


_CHECKS = {
    "id": _id,
    "url": _url,
    "title": _title,
    **{name: _text for name in _TEXT},
    **{name: _names for name in _NAMES},
    "countries": _countries,
    "section": _section,
    "published": _date,
    "updated": _date,
    "image": _image,
    "status": _status,
}


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
                [_problem(None, None, r) for r in result.rejected],
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
        kept = audit.stored_raw(conn, article_id) if article_id else None
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
