"""Identity keys and the permanent id and guid minted from them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sources.model.raw import RawItem
from sources.model.spec import SourceSpec
from sources.normalize.urls import canonical_url, host_of, is_web_url

ID_HEX = 24
_ARTICLE_ID = re.compile(rf"[0-9a-f]{{{ID_HEX}}}")
_GUID_ID = re.compile(rf"article/([0-9a-f]{{{ID_HEX}}})$")
# Feed ids are tag: URIs (RFC 4151) and must never change: the date is fixed forever.
FEED_ID_DATE = "2026"


@lru_cache(maxsize=128)
def _id_pattern(pattern: str) -> re.Pattern[str] | None:
    """Compile a source's id_pattern once; None when it is not a valid regex."""
    try:
        return re.compile(pattern)
    except re.error:
        return None


def article_url(raw: RawItem, source: SourceSpec) -> str | None:
    """The item's canonical web URL, resolved against its base; None when it has none."""
    base = raw.base_url or source.url
    for candidate in (raw.url, raw.upstream_id):
        if not candidate:
            continue
        try:
            url = canonical_url(candidate, base if candidate is raw.url else None)
        except ValueError:
            continue
        if is_web_url(url):
            return url
    return None


def identity_keys(raw: RawItem, source: SourceSpec) -> tuple[str, ...]:
    """Keys that identify the item, strongest first: upstream id, canonical URL, stable id."""
    keys: list[str] = []
    upstream = (raw.upstream_id or "").strip()
    if upstream:
        keys.append(upstream_key(source.id, upstream))
    url = article_url(raw, source)
    if url:
        keys.append(url_key(url))
        keys.extend(_stable_keys(url, (source.id_pattern,) if source.id_pattern else ()))
    return tuple(keys)


def url_key(url: str) -> str:
    """The key of a canonical web URL: scheme-less, so http:// and https:// copies are one."""
    return "url:" + url.split(":", 1)[1]


def _stable_keys(url: str, patterns: Sequence[str]) -> list[str]:
    """The `sid:` keys id_patterns pull from a canonical URL."""
    keys = []
    for text in patterns:
        pattern = _id_pattern(text)
        match = pattern.search(url) if pattern else None
        if match and match.groups() and match.group(1):
            keys.append(f"sid:{host_of(url)}:{match.group(1)}")
    return keys


def adoption_keys(raw: RawItem, source: SourceSpec, patterns: Sequence[str]) -> tuple[str, ...]:
    """Keys beyond identity_keys an adopted item may name: the upstream id as served, and
    the stable ids every source's id_pattern pulls from the item's URL."""
    upstream = (raw.upstream_id or "").strip()
    keys = [f"legacy:{upstream}"] if upstream else []
    url = article_url(raw, source)
    return (*keys, *(_stable_keys(url, patterns) if url else ()))


def legacy_keys(
    legacy_id: str, links: Sequence[str | None], patterns: Sequence[str], mapped: Sequence[str]
) -> tuple[str, ...]:
    """The keys an arriving article matches a legacy item by, strongest first.

    Its id as served (an upstream id), its link and shortlink (and its id when a URL), each
    canonical and through every source's id_pattern, and the map file's targets: a new URL
    or a CMS id.
    """
    keys = [f"legacy:{legacy_id}"] if legacy_id else []
    urls = [*links, legacy_id, *mapped]
    for candidate in urls:
        url = _web(candidate)
        if url:
            keys.append(url_key(url))
            keys.extend(_stable_keys(url, patterns))
    keys.extend(f"legacy:{m}" for m in mapped if m and not _web(m))  # a CMS id
    return tuple(dict.fromkeys(keys))


def _web(candidate: str | None) -> str | None:
    """The canonical form of a web URL, or None for anything else."""
    if not candidate:
        return None
    try:
        url = canonical_url(candidate)
    except ValueError:
        return None
    return url if is_web_url(url) else None


def mint_id(key: str) -> str:
    """The article id: the first 24 hex digits of SHA-256 of its strongest identity key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:ID_HEX]


def mint_guid(authority: str, article_id: str, published: datetime) -> str:
    """A tag: URI (RFC 4151) that never changes once minted."""
    return f"tag:{authority},{published.year}:article/{article_id}"


def mint_feed_id(authority: str, feed_name: str) -> str:
    """A feed's permanent Atom id, a tag: URI (RFC 4151) with a date fixed forever."""
    return f"tag:{authority},{FEED_ID_DATE}:feed/{feed_name}"


def upstream_key(source_id: str, upstream_id: str) -> str:
    """The identity key of an item by the id its source gives it."""
    return f"up:{source_id}:{upstream_id}"


def article_id_in(ref: str) -> str | None:
    """The article id a reference names: the id itself, or the one a guid ends with."""
    found = _GUID_ID.search(ref)
    candidate = found.group(1) if found else ref
    return candidate if _ARTICLE_ID.fullmatch(candidate) else None
