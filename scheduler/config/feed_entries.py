"""The [[sections]], `[feeds] combos` and [[redirects]] of config.toml: which feeds exist."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

import pycountry

from feeds.catalog import ComboRule
from scheduler.config.reader import Reader
from scheduler.config.settings import Section
from scheduler.config.source_entries import labels
from sources.normalize.taxonomy import slug_key
from sources.normalize.urls import is_web_url

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


def read_sections(r: Reader) -> tuple[Section, ...]:
    """Every [[sections]] entry, named by its slug in messages."""
    out: list[Section] = []
    items = r.table_list("sections")
    names = r.labels["sections"] = labels(items, "slug", _SLUG, "sections")
    claimed: dict[str, str] = {}  # slug_key of a slug or alias -> the section it means
    for key, item in zip(names, items, strict=True):
        slug = r.string(f"{key}.slug", "", item=item)
        if not _SLUG.fullmatch(slug):
            r.error(f"{key}.slug", slug, "must be lower-case letters, digits and '-'")
        if any(s.slug == slug for s in out):
            r.error(f"{key}.slug", slug, "duplicate section slug")
        section = Section(
            slug=slug,
            title=r.string(f"{key}.title", slug.title(), item=item),
            description=r.string(f"{key}.description", "", item=item),
            aliases=r.strings(f"{key}.aliases", (), item=item),
            link=_link(r, f"{key}.link", item),
        )
        _claim_aliases(r, key, section, claimed)
        out.append(section)
    if not out:
        r.error("sections", [], "at least one [[sections]] entry is required")
    return tuple(out)


def _link(r: Reader, key: str, item: dict[str, Any]) -> str | None:
    """An optional absolute http(s) URL of a table entry."""
    value = r.optional_string(key, None, item=item)
    if value is not None and not is_web_url(value):
        r.error(key, value, "must be an absolute http(s) URL")
        return None
    return value


def _claim_aliases(r: Reader, key: str, section: Section, claimed: dict[str, str]) -> None:
    """An alias (or slug) may mean one section only: taxonomy matches the first it finds."""
    for name in (section.slug, *section.aliases):
        owner = claimed.setdefault(slug_key(name), section.slug)
        if owner != section.slug:
            what = f"{key}.aliases" if name in section.aliases else f"{key}.slug"
            r.error(what, name, f"already means section {owner!r}")


def read_combos(r: Reader, slugs: set[str]) -> ComboRule:
    """`[feeds] combos`; a listed combo must name a configured section and a real country."""
    raw = r.raw("feeds.combos", "with-articles")
    try:
        if isinstance(raw, str) or (isinstance(raw, list) and all(isinstance(x, str) for x in raw)):
            rule = ComboRule.parse(raw)
        else:
            raise ValueError("must be 'with-articles', 'none' or a list of 'section/cc'")
    except ValueError as exc:
        r.error("feeds.combos", raw, str(exc))
        return ComboRule()
    for section, cc in sorted(rule.pairs):
        combo = f"{section}/{cc.lower()}"
        if section not in slugs:
            r.error("feeds.combos", combo, f"names {section!r}, which is not a configured section")
        elif pycountry.countries.get(alpha_2=cc) is None:
            r.error("feeds.combos", combo, f"{cc!r} is not an ISO 3166-1 alpha-2 country code")
    return rule


_FEED_DOCUMENT = re.compile(r"/feeds/[a-z0-9/_-]+\.(rss|atom|json)")


def read_redirects(r: Reader) -> tuple[MappingProxyType[str, str], MappingProxyType[str, str]]:
    """`[[redirects]]`: from path -> to path ("" for gone), and those served in place.

    `serve = true` serves the feed at `to` at the old path itself (its self link that path),
    for consumers that do not follow redirects.
    """
    out: dict[str, str] = {}
    served: dict[str, str] = {}
    for i, item in enumerate(r.table_list("redirects")):
        src = r.string(f"redirects[{i}].from", "", item=item)
        dst = r.string(f"redirects[{i}].to", "", item=item)
        if not src.startswith("/") or (dst and not dst.startswith("/")):
            r.error(f"redirects[{i}]", src, "from and to must be paths starting with /")
        if not r.boolean(f"redirects[{i}].serve", False, item=item):
            out[src] = dst
        elif _FEED_DOCUMENT.fullmatch(dst) and not src.startswith("/feeds/"):
            served[src] = dst
        else:
            r.error(
                f"redirects[{i}].serve",
                dst,
                "serve = true needs `to` = a feed's document (/feeds/….rss, .atom or .json) "
                "and `from` outside /feeds/",
            )
    return MappingProxyType(out), MappingProxyType(served)
