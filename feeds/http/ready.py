"""Response headers of one document version and coding, built once and reused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from feeds.catalog import is_history_path, surrogate_keys
from feeds.http.cache import Prepared

Headers = list[tuple[bytes, bytes]]


class HeaderSettings(Protocol):
    """What every feed response carries: cache lifetimes and the WebSub Link header."""

    cache_control: bytes
    history_cache_control: bytes
    link_header: Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Ready:
    """Prepared header lists for a 200 and a 304 of one document version and coding."""

    doc: Prepared
    generation: int
    common: Headers  # everything a 304 carries but the ETag
    ok: Headers
    not_modified: Headers


def build_ready(responder: HeaderSettings, doc: Prepared, coding: str) -> Ready:
    is_page = is_history_path(doc.path)
    # RFC 9110 §15.4.5: a 304 carries the ETag, Cache-Control and Vary a 200 would
    common = [
        (b"last-modified", doc.last_modified.encode()),
        (b"cache-control", responder.history_cache_control if is_page else responder.cache_control),
        (b"vary", b"Accept-Encoding"),
        (b"link", responder.link_header(doc.path).encode()),
    ]
    keys = surrogate_keys(doc.feed)
    if keys:  # what a CDN purges by (Fastly reads the first, Cloudflare the second)
        common += [
            (b"surrogate-key", " ".join(keys).encode()),
            (b"cache-tag", ",".join(keys).encode()),
        ]
    body = doc.bodies[coding]
    extra = [
        (b"content-type", doc.media_type.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
    ]
    if coding != "identity":
        extra.append((b"content-encoding", coding.encode()))
    etag = (b"etag", doc.etags[coding].encode())
    return Ready(doc, doc.generation, common, [etag, *common, *extra], [etag, *common])


def with_etag(ready: Ready, etag: str) -> Headers:
    return [(b"etag", etag.encode()), *ready.common]
