"""The `push` kind: articles a CMS posts (POST /api/articles), in the drop-folder format.

Not polled and not configurable as a `[[sources]]` entry: every pushed article belongs to
one implicit source, `push`, whatever token posted it (the token's name is the audit
actor). Its id is part of every pushed article's identity key (`up:push:<id>`), so it
stays the same across token rotations and renames.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sources.errors import BadFile, RejectedBatch, problem
from sources.kinds import json_numbers
from sources.kinds.push_fields import check, ignored
from sources.kinds.records import MAX_DEPTH, items_from_records, json_depth
from sources.model.raw import RawItem
from sources.model.spec import SourceSpec

PUSH_SOURCE = "push"


def implicit_source(section: str) -> SourceSpec:
    """The source every pushed article belongs to: authoritative, UTC, the first section."""
    return SourceSpec(
        id=PUSH_SOURCE,
        kind="push",
        url="",
        interval_seconds=0,
        section=section,
        timezone="UTC",
        authoritative=True,
    )


@dataclass(frozen=True, slots=True)
class Pushed:
    """A posted body read: its raw items, and the unknown fields it carried (not used)."""

    items: list[RawItem]
    ignored: list[dict[str, object]]


def raw_items(body: bytes, source: SourceSpec, aliases: Mapping[str, tuple[str, ...]]) -> Pushed:
    """The raw items of a posted body in which every field is valid; else RejectedBatch."""
    records = decode(body)
    problems = [p for i, r in enumerate(records) for p in check(i, r, aliases)]
    if problems:
        raise RejectedBatch.nothing_stored(problems)
    try:
        # the checks refused every unbounded number in a known field; one left in an
        # unknown (ignored) field is written as null
        data = json.dumps(list(records), default=json_numbers.encodable).encode()
        return Pushed(items_from_records(source.id, "push.json", data), ignored(records))
    except BadFile as exc:
        raise RejectedBatch.nothing_stored([problem(None, None, str(exc))]) from exc


def decode(body: bytes) -> Sequence[object]:
    """The posted JSON: one article object or a list of them."""
    try:
        value = json_numbers.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RejectedBatch(f"the body is not UTF-8 (byte {exc.start})", readable=False) from exc
    except RecursionError as exc:  # json.loads recurses once per nesting level
        raise RejectedBatch("the JSON is nested too deeply", readable=False) from exc
    except json.JSONDecodeError as exc:
        raise RejectedBatch(
            f"invalid JSON: {exc.msg} at line {exc.lineno}", readable=False
        ) from exc
    if json_depth(value) > MAX_DEPTH:
        raise RejectedBatch(f"the JSON is nested more than {MAX_DEPTH} levels deep", readable=False)
    records = value if isinstance(value, list) else [value]
    if not records:
        raise RejectedBatch("no articles in the batch", readable=True)
    return records
