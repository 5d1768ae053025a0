"""The [[sources]] of config.toml: each validated, named by its id in every message.

Errors read `sources.reuters.interval_seconds: …`; only a source without a usable id
(missing, malformed or taken) is named by its position, `sources[3]`.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pycountry

from scheduler.config.paths import is_local, local_path
from scheduler.config.reader import Reader
from sources import kinds
from sources.kinds.push import PUSH_SOURCE
from sources.model.spec import SourceSpec
from sources.normalize.urls import is_web_url

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def labels(
    items: list[dict[str, Any]], field: str, pattern: re.Pattern[str], name: str
) -> list[str]:
    """How each entry of an array of tables is named: by its id when usable, else by index."""
    out, seen = [], set()
    for i, item in enumerate(items):
        ident = item.get(field)
        usable = isinstance(ident, str) and pattern.fullmatch(ident) and ident not in seen
        out.append(f"{name}.{ident}" if usable else f"{name}[{i}]")
        seen.add(ident if isinstance(ident, str) else None)
    return out


def read_sources(
    r: Reader, slugs: set[str], min_interval: int, base: Path
) -> tuple[SourceSpec, ...]:
    """Every [[sources]] entry as a SourceSpec; problems are recorded on the reader."""
    items = r.table_list("sources")
    names = r.labels["sources"] = labels(items, "id", _ID, "sources")
    out: list[SourceSpec] = []
    for key, item in zip(names, items, strict=True):
        spec = _source(r, key, item, slugs, min_interval, base)
        if any(s.id == spec.id for s in out):
            r.error(f"{key}.id", spec.id, "duplicate source id")
        out.append(spec)
        _check_options(r, key, spec)
        _check_local(r, key, spec)
    return tuple(out)


def _source(
    r: Reader, key: str, item: dict[str, Any], slugs: set[str], min_interval: int, base: Path
) -> SourceSpec:
    sid = r.string(f"{key}.id", "", item=item)
    if not _ID.fullmatch(sid):
        r.error(f"{key}.id", sid, "must be letters, digits, '_', '.' or '-'")
    if sid == PUSH_SOURCE:
        r.error(f"{key}.id", sid, "is reserved for the push API")
    kind = r.string(f"{key}.kind", "", item=item)
    if kind not in kinds.CONFIGURABLE:
        known = ", ".join(kinds.CONFIGURABLE)
        r.error(f"{key}.kind", kind, f"unknown source kind; one of {known}")
    url = _url(r, key, item, kind, base)
    interval = r.integer(f"{key}.interval_seconds", 900, item=item)
    if interval < min_interval:
        r.error(
            f"{key}.interval_seconds",
            interval,
            f"must be ≥ scheduler.min_interval_seconds ({min_interval})",
        )
    section = r.string(f"{key}.section", "", item=item)
    if section not in slugs:
        r.error(f"{key}.section", section, "is not a configured [[sections]] slug")
    return SourceSpec(
        id=sid,
        kind=kind,
        url=url,
        interval_seconds=interval,
        section=section,
        countries=_countries(r, f"{key}.countries", item),
        timezone=_timezone(r, key, item),
        language=r.optional_string(f"{key}.language", None, item=item),
        authors=r.strings(f"{key}.authors", (), item=item),
        rights=r.choice(  # type: ignore[arg-type]
            f"{key}.rights", "full", ("full", "summary", "link", "exclude"), item=item
        ),
        images=r.boolean(f"{key}.images", True, item=item),
        id_pattern=_id_pattern(r, key, item),
        authoritative=r.boolean(f"{key}.authoritative", False, item=item),
        options=MappingProxyType(_options(item, base)),
    )


def _url(r: Reader, key: str, item: dict[str, Any], kind: str, base: Path) -> str:
    """The source's URL, or its local path made absolute against the config's folder."""
    url = r.string(f"{key}.url", "", item=item)
    if not url and (kind not in kinds.KINDS or kinds.KINDS[kind].needs_url):
        r.error(f"{key}.url", url, "is required")
    elif url and "://" in url and not is_web_url(url):
        r.error(f"{key}.url", url, "must be an http(s) URL or a local path")
    return local_path(url, base) if is_local(url) else url


def _timezone(r: Reader, key: str, item: dict[str, Any]) -> str:
    tz = r.string(f"{key}.timezone", "UTC", item=item)
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        r.error(f"{key}.timezone", tz, "is not a known IANA timezone")
    return tz


def _id_pattern(r: Reader, key: str, item: dict[str, Any]) -> str | None:
    id_pattern = r.optional_string(f"{key}.id_pattern", None, item=item)
    if id_pattern is not None:
        try:
            re.compile(id_pattern)
        except re.error as exc:
            r.error(f"{key}.id_pattern", id_pattern, f"is not a valid regex: {exc}")
    return id_pattern


def _options(item: dict[str, Any], base: Path) -> dict[str, object]:
    """Kind-specific settings as found; a seed folder's path made absolute."""
    found = {name: item[name] for name in kinds.EVERY_OPTION if name in item}
    seed = found.get("seed")
    if isinstance(seed, str) and seed:
        found["seed"] = local_path(seed, base)
    return found


def _check_options(r: Reader, key: str, spec: SourceSpec) -> None:
    """The checks each kind runs on its options, now rather than at its first poll."""
    for problem in kinds.option_problems(spec):
        r.errors.append(f"{key}.{problem.key}: {problem.why}")


def _check_local(r: Reader, key: str, spec: SourceSpec) -> None:
    """A local feed file or drop folder must exist (a drop folder may come from its seed)."""
    if not is_local(spec.url) or spec.kind not in kinds.CONFIGURABLE:
        return
    problem = kinds.local_problem(spec)
    if problem is not None:
        name, value, why = problem
        r.error(f"{key}.{name}", value, why)


def _countries(r: Reader, key: str, item: dict[str, Any]) -> tuple[str, ...]:
    out = []
    for v in r.strings(key, (), item=item):
        country = pycountry.countries.get(alpha_2=v.upper()) if len(v) == 2 else None
        if country is None:
            r.error(key, v, "must be ISO 3166-1 alpha-2 codes such as 'IN' or 'US'")
        else:
            out.append(country.alpha_2)
    return tuple(out)
