"""What a fetch gives back, and the reader of local paths that gives the same."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from sources.errors import FetchError
from sources.model.spec import FetchSettings


@dataclass(frozen=True)
class Fetched:
    """One fetched document, with the validators to send next time."""

    status: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    final_url: str
    permanent_redirect: str | None  # target of the 301/308 hops that started the chain


def read_local(path: Path, url: str, settings: FetchSettings, etag: str | None) -> Fetched:
    """Read a local file, bounded by max_bytes; its ETag is a content hash, so an unchanged
    file gives 304 however its mtime moved."""
    try:
        with path.open("rb") as handle:
            body = handle.read(settings.max_bytes + 1)
    except OSError as exc:
        raise FetchError(f"could not read {path}: {exc.strerror or exc}") from exc
    if len(body) > settings.max_bytes:
        raise FetchError(f"{path} is larger than max_bytes ({settings.max_bytes} bytes)")
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if tag == etag:
        return Fetched(304, b"", None, tag, None, url, None)
    return Fetched(200, body, None, tag, None, url, None)


def retry_after(status: int, header: str, now: datetime) -> float | None:
    """Retry-After of a 429/503, in seconds from `now` (RFC 9110 §10.2.3: seconds or a date)."""
    value = header.strip()
    if status not in (429, 503) or not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None or now.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())
