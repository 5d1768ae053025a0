"""Field-by-field checks of a pushed article, so a 422 can name every bad field."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from sources.errors import Problem, problem
from sources.kinds.json_numbers import out_of_range
from sources.kinds.records import unknown_fields
from sources.normalize.dates import parse_date
from sources.normalize.taxonomy import explicit_country_codes, section_for

_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
STATUSES = ("published", "live", "withdrawn", "deleted", "unpublished")
_TEXT = ("summary", "content_html", "language")
_NAMES = ("authors", "tags")


def check(index: int, record: object, aliases: object) -> list[Problem]:
    """Every problem with one posted article, by field name (unknown fields are none)."""
    if not isinstance(record, dict):
        return [problem(index, None, "must be an object")]
    out: list[Problem] = []
    for name, rule in _CHECKS.items():
        value = record.get(name)
        if value is None:
            if name in ("title", "url"):
                out.append(problem(index, name, "is required"))
            continue
        too_big = out_of_range(value)
        reason = too_big.reason() if too_big is not None else rule(value, aliases)
        if reason:
            out.append(problem(index, name, reason))
    return out


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


def _guid(value: object, _: object) -> str | None:
    # RFC 4287 §4.2.6: it becomes atom:id, which must be an absolute IRI
    if isinstance(value, str) and len(value) <= 300 and _ABSOLUTE_IRI.fullmatch(value):
        return None
    return "must be an absolute IRI (such as https://… or urn:…) of at most 300 characters"


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
    sizes = (value.get(k) for k in ("width", "height")) if isinstance(value, dict) else ()
    if any(not isinstance(size, int | str | type(None)) for size in sizes):
        return "width and height must be numbers"
    return None


_CHECKS = {
    "id": _id,
    "guid": _guid,
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


def ignored(records: Sequence[object]) -> list[dict[str, object]]:
    """The unknown fields of a batch, each named with its item: accepted, but not used."""
    return [{"item": i, "field": f} for i, r in enumerate(records) for f in unknown_fields(r)]
