"""Turn one RawItem into an Article: a list of named steps, each a pure function."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta

from sources.errors import NormalizeError
from sources.model.article import Article, Status
from sources.model.raw import RawItem
from sources.model.rights import keeps_content, keeps_summary
from sources.model.spec import NormalizeSettings, SourceSpec
from sources.model.utc import as_utc
from sources.normalize.dates import parse_date
from sources.normalize.identity import article_url, identity_keys, mint_guid, mint_id
from sources.normalize.images import lead_image
from sources.normalize.markup import sanitize_html
from sources.normalize.taxonomy import country_codes, explicit_country_codes, section_for
from sources.normalize.text import plain_text

NORMALIZER_VERSION = 3
NAME_MAX = 200
TAG_MAX = 100
_WITHDRAWN = frozenset({"withdrawn", "deleted", "unpublished"})
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def normalize(
    raw: RawItem,
    source: SourceSpec,
    settings: NormalizeSettings,
    *,
    now: datetime,
    first_seen: datetime | None = None,
) -> Article:
    """Normalize one raw item; raises NormalizeError when it cannot be an article."""
    url = article_url(raw, source)
    content = _content(raw, url, source, settings)
    summary = _summary(raw, content, source, settings)
    title = _title(raw, summary, url, settings)
    if url is None:
        raise NormalizeError(
            f"source {source.id!r}: item {title[:60]!r} has no http(s) link "
            f"(url={raw.url!r}, upstream id={raw.upstream_id!r})"
        )
    published, updated = _dates(raw, source, now=now, first_seen=first_seen)
    section, tags = section_for(_categories(raw), source.section, settings.section_aliases)
    article_id = mint_id(identity_keys(raw, source)[0])
    status, embargo_until = _status(raw, published, now, settings)
    return Article(
        id=article_id,
        guid=raw.guid or mint_guid(settings.authority, article_id, published),
        url=url,
        title=title,
        summary=summary,
        content=content if keeps_content(source.rights) else None,
        section=section,
        published=published,
        updated=updated,
        source_id=source.id,
        raw_hash=_raw_hash(raw),
        normalizer_version=NORMALIZER_VERSION,
        authors=_names(raw.authors, NAME_MAX) or _names(source.authors, NAME_MAX),
        countries=_countries(raw, source),
        tags=_names(tags, TAG_MAX),
        image=lead_image(raw.images, content, _content_base(raw, url, source))
        if source.images
        else None,
        language=_language(raw.language) or _language(source.language),
        status=status,
        embargo_until=embargo_until,
        upstream_id=plain_text(raw.upstream_id, 1000, is_html=False) or None
        if raw.upstream_id
        else None,
    )


def _content(
    raw: RawItem, url: str | None, source: SourceSpec, settings: NormalizeSettings
) -> str | None:
    """Sanitized content HTML, or None when there is none (or it sanitizes to nothing)."""
    if not raw.content:
        return None
    return sanitize_html(raw.content, _content_base(raw, url, source), settings) or None


def _content_base(raw: RawItem, url: str | None, source: SourceSpec) -> str:
    """What relative URLs in content resolve against: a declared base (xml:base, a page's
    <base>), else the item's link, else the feed's link, and the source's URL last."""
    declared = None if raw.content_base_inherited else raw.content_base
    return declared or url or raw.base_url or source.url


def _summary(
    raw: RawItem, content: str | None, source: SourceSpec, settings: NormalizeSettings
) -> str:
    """Plain-text summary from the summary field, else the start of the content."""
    if not keeps_summary(source.rights):
        return ""  # link-only sources: only the title and the link may be republished
    return plain_text(raw.summary or content or "", settings.summary_max)


def _title(raw: RawItem, summary: str, url: str | None, settings: NormalizeSettings) -> str:
    """Plain-text title; the summary's start or the link stands in when it is missing."""
    title = plain_text(raw.title or "", settings.title_max, is_html=raw.title_is_html)
    if title:
        return title
    if url is None:
        raise NormalizeError(
            f"source {raw.source_id!r}: item has neither a title nor a link "
            f"(upstream id={raw.upstream_id!r})"
        )
    stand_in = summary or url
    return plain_text(stand_in, min(settings.title_max, 120), is_html=False)


def _raw_hash(raw: RawItem) -> str:
    """raw.content_hash(), also for text holding lone surrogates (which UTF-8 cannot encode)."""
    try:
        return raw.content_hash()
    except UnicodeEncodeError:
        # Same bytes as content_hash wherever it succeeds; surrogates kept as themselves.
        payload = json.dumps(raw.hashed_fields(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def _dates(
    raw: RawItem, source: SourceSpec, *, now: datetime, first_seen: datetime | None
) -> tuple[datetime, datetime]:
    """Published (else first seen, else now) and updated (never before published), in UTC."""
    published = parse_date(raw.published, source.timezone) or as_utc(first_seen or now)
    updated = parse_date(raw.updated, source.timezone) or published
    return published, max(updated, published)


def _status(
    raw: RawItem, published: datetime, now: datetime, settings: NormalizeSettings
) -> tuple[Status, datetime | None]:
    """Withdrawn when upstream says so; embargoed when published lies beyond the margin."""
    if (raw.status or "").strip().lower() in _WITHDRAWN:
        return Status.WITHDRAWN, None
    if published > as_utc(now) + timedelta(seconds=settings.future_margin_seconds):
        return Status.EMBARGOED, published
    return Status.LIVE, None


def _categories(raw: RawItem) -> tuple[str, ...]:
    """The item's own section label first, then its categories."""
    return ((raw.section,) if raw.section else ()) + raw.categories


def _countries(raw: RawItem, source: SourceSpec) -> tuple[str, ...]:
    """The item's countries (field and categories); the source's only when it names none."""
    found = explicit_country_codes(raw.countries) + country_codes(_categories(raw))
    return tuple(dict.fromkeys(found)) or explicit_country_codes(source.countries)


def _names(values: tuple[str, ...], max_len: int) -> tuple[str, ...]:
    """Plain-text names, empty ones dropped, de-duplicated case-insensitively."""
    cleaned = (plain_text(v, max_len) for v in values)
    unique = {name.casefold(): name for name in reversed([c for c in cleaned if c])}
    return tuple(reversed(unique.values()))


def _language(value: str | None) -> str | None:
    """A BCP 47-shaped language tag ("en", "pt-BR"), or None."""
    tag = (value or "").strip().replace("_", "-")
    return tag if _LANGUAGE.fullmatch(tag) else None
