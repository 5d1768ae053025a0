"""The config's arrays of tables: `[[sections]]`, `[[sources]]` and `[[redirects]]`."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.config.reader import Reader
from scheduler.config.settings import Section
from sources.kinds import CONFIGURABLE, KINDS
from sources.kinds.push import PUSH_SOURCE
from sources.model.spec import SourceSpec


def read_redirects(r: Reader) -> MappingProxyType[str, str]:
    """`[[redirects]]`: from path -> to path ("" for gone)."""
    out: dict[str, str] = {}
    for i, item in enumerate(r.table_list("redirects")):
        src = r.string(f"redirects[{i}].from", "", item=item)
        dst = r.string(f"redirects[{i}].to", "", item=item)
        if not src.startswith("/") or (dst and not dst.startswith("/")):
            r.error(f"redirects[{i}]", src, "from and to must be paths starting with /")
        out[src] = dst
    return MappingProxyType(out)


# (pattern, what the message says it must be)
_SLUG = (re.compile(r"[a-z0-9][a-z0-9-]*"), "lower-case letters, digits and '-'")
_SOURCE_ID = (re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*"), "letters, digits, '_', '.' or '-'")


def _check_name(
    r: Reader, key: str, name: str, shape: tuple[re.Pattern[str], str], taken: list[str], what: str
) -> None:
    """A name of the right shape that no earlier entry took."""
    if not shape[0].fullmatch(name):
        r.error(key, name, f"must be {shape[1]}")
    if name in taken:
        r.error(key, name, f"duplicate {what}")


def read_sections(r: Reader) -> tuple[Section, ...]:
    """`[[sections]]`, at least one."""
    out: list[Section] = []
    for i, item in enumerate(r.table_list("sections")):
        key = f"sections[{i}]"
        slug = r.string(f"{key}.slug", "", item=item)
        _check_name(r, f"{key}.slug", slug, _SLUG, [s.slug for s in out], "section slug")
        out.append(
            Section(
                slug=slug,
                title=r.string(f"{key}.title", slug.title(), item=item),
                description=r.string(f"{key}.description", "", item=item),
                aliases=r.strings(f"{key}.aliases", (), item=item),
            )
        )
    if not out:
        r.error("sections", [], "at least one [[sections]] entry is required")
    return tuple(out)


def read_sources(r: Reader, slugs: set[str], min_interval: int) -> tuple[SourceSpec, ...]:
    """`[[sources]]`, each checked against the sections and the registered kinds."""
    out: list[SourceSpec] = []
    for i, item in enumerate(r.table_list("sources")):
        key = f"sources[{i}]"
        sid = r.string(f"{key}.id", "", item=item)
        _check_name(r, f"{key}.id", sid, _SOURCE_ID, [s.id for s in out], "source id")
        if sid == PUSH_SOURCE:
            r.error(f"{key}.id", sid, "is reserved for the push API")
        out.append(_source(r, key, item, sid, slugs, min_interval))
    return tuple(out)


def _source(
    r: Reader, key: str, item: dict[str, Any], sid: str, slugs: set[str], min_interval: int
) -> SourceSpec:
    """One `[[sources]]` entry after its id."""
    kind = r.string(f"{key}.kind", "", item=item)
    if kind not in CONFIGURABLE:
        r.error(f"{key}.kind", kind, f"unknown source kind; one of {', '.join(CONFIGURABLE)}")
    url = r.string(f"{key}.url", "", item=item)
    if not url and (kind not in KINDS or KINDS[kind].needs_url):
        r.error(f"{key}.url", url, "is required")
    elif url and "://" in url and urlsplit(url).scheme not in ("http", "https"):
        r.error(f"{key}.url", url, "must be an http(s) URL or a local path")
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
    tz, id_pattern = _timezone(r, key, item), _id_pattern(r, key, item)
    return SourceSpec(
        id=sid,
        kind=kind,
        url=url,
        interval_seconds=interval,
        section=section,
        countries=_countries(r, f"{key}.countries", item),
        timezone=tz,
        language=r.optional_string(f"{key}.language", None, item=item),
        authors=r.strings(f"{key}.authors", (), item=item),
        rights=r.choice(  # type: ignore[arg-type]
            f"{key}.rights", "full", ("full", "summary", "link", "exclude"), item=item
        ),
        images=r.boolean(f"{key}.images", True, item=item),
        id_pattern=id_pattern,
        authoritative=r.boolean(f"{key}.authoritative", False, item=item),
        options=MappingProxyType(r.options(key, item)),
    )


def _timezone(r: Reader, key: str, item: dict[str, Any]) -> str:
    """A source's IANA timezone."""
    tz = r.string(f"{key}.timezone", "UTC", item=item)
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        r.error(f"{key}.timezone", tz, "is not a known IANA timezone")
    return tz


def _id_pattern(r: Reader, key: str, item: dict[str, Any]) -> str | None:
    """A source's id_pattern, a regex."""
    id_pattern = r.optional_string(f"{key}.id_pattern", None, item=item)
    if id_pattern is not None:
        try:
            re.compile(id_pattern)
        except re.error as exc:
            r.error(f"{key}.id_pattern", id_pattern, f"is not a valid regex: {exc}")
    return id_pattern


def _countries(r: Reader, key: str, item: dict[str, Any]) -> tuple[str, ...]:
    values = r.strings(key, (), item=item)
    import pycountry  # local: only needed while validating config

    out = []
    for v in values:
        country = pycountry.countries.get(alpha_2=v.upper()) if len(v) == 2 else None
        if country is None:
            r.error(key, v, "must be ISO 3166-1 alpha-2 codes such as 'IN' or 'US'")
        else:
            out.append(country.alpha_2)
    return tuple(out)
