"""Conditional GET and content negotiation (RFC 9110), as pure functions."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime


def http_date(when: datetime) -> str:
    """An IMF-fixdate, e.g. 'Sun, 06 Nov 1994 08:49:37 GMT'."""
    return format_datetime(when, usegmt=True)


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches(header: str, etags: tuple[str, ...]) -> bool:
    """If-None-Match: '*' or any listed tag, compared weakly (RFC 9110 §13.1.2)."""
    if header.strip() == "*":
        return True
    ours = {_opaque(t) for t in etags}
    return any(_opaque(t) in ours for t in header.split(","))


def matched_etag(header: str | None, etags: tuple[str, ...], selected: str) -> str:
    """The ETag a 304 carries: the client's cached one it named, else the selected one.

    RFC 9111 §4.3.4: a cache picks the stored response to freshen by the 304's ETag, so a
    client holding the identity bytes must not be told about the gzip variant's tag.
    """
    if not header or header.strip() == "*":
        return selected
    named = {_opaque(t) for t in header.split(",")}
    if _opaque(selected) in named:
        return selected
    return next((t for t in etags if _opaque(t) in named), selected)


def not_modified_since(header: str, changed_at: datetime) -> bool:
    """If-Modified-Since: True when the document has not changed since that date."""
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False  # RFC 9110 §13.1.3: an invalid date is ignored
    if since is None or since.tzinfo is None:
        return False
    return changed_at.replace(microsecond=0) <= since


def is_fresh(
    if_none_match: str | None,
    if_modified_since: str | None,
    etags: tuple[str, ...],
    changed_at: datetime,
) -> bool:
    """Whether a 304 is the answer; If-None-Match wins over If-Modified-Since (§13.1.3)."""
    if if_none_match is not None:
        return etag_matches(if_none_match, etags)
    if if_modified_since is not None:
        return not_modified_since(if_modified_since, changed_at)
    return False


def choose_coding(accept_encoding: str | None, has_br: bool) -> str:
    """Pick br, gzip or identity from Accept-Encoding, honouring q=0."""
    if not accept_encoding:
        return "identity"
    accepted: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        accepted[name.strip().lower()] = q
    star = accepted.get("*", 0.0)
    if has_br and accepted.get("br", star) > 0:
        return "br"
    if accepted.get("gzip", accepted.get("x-gzip", star)) > 0:
        return "gzip"
    return "identity"
