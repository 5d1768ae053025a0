"""Fetch an upstream document politely and defensively: bytes in, never a Response out."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import requests
import urllib3

from sources.errors import FetchError, HttpStatusError
from sources.model.spec import FetchSettings
from sources.net import politeness

MAX_REDIRECTS = 5
_PERMANENT = frozenset({301, 308})
_TEMPORARY = frozenset({302, 303, 307})
_CHUNK = 64 * 1024
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


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


def fetch(
    url: str,
    settings: FetchSettings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    now: datetime,
    session: requests.Session | None = None,
) -> Fetched:
    """Fetch a URL (or read a local path); 304 gives an empty body and means: nothing to parse."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        own = session is None
        sess = session or requests.Session()
        try:
            return _fetch_http(url, settings, etag, last_modified, now, sess)
        finally:
            if own:
                sess.close()
    if scheme == "file":
        return _read_local(Path(unquote(urlsplit(url).path)), url, settings, etag)
    if scheme and len(scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise FetchError(f"unsupported URL scheme {scheme!r} in {url}")
    return _read_local(Path(url), url, settings, etag)


def _fetch_http(
    url: str,
    settings: FetchSettings,
    etag: str | None,
    last_modified: str | None,
    now: datetime,
    session: requests.Session,
) -> Fetched:
    """Follow redirects hop by hop, so permanent ones can be seen and loops refused."""
    headers = _request_headers(settings, etag, last_modified)
    chain = [url]
    permanent: str | None = None
    permanent_run = True  # only an unbroken run of 301/308 from the start moves a source
    while True:
        current = chain[-1]
        with politeness.turn(politeness.host_key(current), settings.host_gap_seconds):
            # Each response gets the whole deadline, counted from its request: time spent
            # waiting for the host's turn is not the upstream's slowness.
            deadline = time.monotonic() + settings.deadline_seconds
            resp = _send(session, current, headers, settings)
            with resp:
                if resp.status_code in _PERMANENT | _TEMPORARY:
                    target = _redirect_target(current, resp, chain)
                elif resp.status_code == 304:
                    return _fetched(resp, b"", current, permanent)
                elif resp.status_code >= 300:
                    raise HttpStatusError(current, resp.status_code, _retry_after(resp, now))
                else:
                    body = _read_body(resp, current, settings, deadline)
                    return _fetched(resp, body, current, permanent)
        permanent_run = permanent_run and resp.status_code in _PERMANENT
        if permanent_run:
            permanent = target
        chain.append(target)


def _request_headers(
    settings: FetchSettings, etag: str | None, last_modified: str | None
) -> dict[str, str]:
    """Conditional-GET headers from the stored validators (RFC 9110 §13.1)."""
    headers = {
        "User-Agent": settings.user_agent,
        "Accept": _ACCEPT,
        "Accept-Encoding": "gzip, deflate",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _send(
    session: requests.Session, url: str, headers: dict[str, str], settings: FetchSettings
) -> requests.Response:
    """One GET, streamed, no automatic redirects; network failures become FetchError."""
    timeout = (settings.timeout_seconds, settings.timeout_seconds)
    try:
        return session.get(
            url, headers=headers, timeout=timeout, stream=True, allow_redirects=False
        )
    except requests.Timeout as exc:
        raise FetchError(f"timed out after {settings.timeout_seconds:g} s: {url}") from exc
    except requests.RequestException as exc:
        raise FetchError(f"could not fetch {url}: {exc}") from exc


def _redirect_target(current: str, resp: requests.Response, chain: list[str]) -> str:
    """The absolute Location of a redirect, refusing loops, long chains and other schemes."""
    location = resp.headers.get("Location")
    if not location:
        raise FetchError(f"HTTP {resp.status_code} from {current} without a Location header")
    target = urljoin(current, location.strip())
    if urlsplit(target).scheme.lower() not in ("http", "https"):
        raise FetchError(f"refused redirect from {current} to {target}: not http(s)")
    if target in chain:
        raise FetchError("redirect loop: " + " -> ".join([*chain, target]))
    if len(chain) > MAX_REDIRECTS:
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS}) from {chain[0]}")
    return target


def _read_body(
    resp: requests.Response, url: str, settings: FetchSettings, deadline: float
) -> bytes:
    """Stream the decoded body, enforcing max_bytes on the decompressed size and the deadline."""
    declared = resp.headers.get("Content-Length", "")
    is_plain = "Content-Encoding" not in resp.headers
    if is_plain and declared.isdigit() and int(declared) > settings.max_bytes:
        raise FetchError(_too_large(url, settings))
    parts: list[bytes] = []
    size = 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise FetchError(
                    f"gave up on {url} after {settings.deadline_seconds:g} s: "
                    "the response was still arriving (deadline_seconds)"
                )
            # read1 returns what has arrived, so a dripping server cannot hold one call past
            # the deadline by more than one read timeout. It also decodes at most _CHUNK
            # bytes per call, so a gzip bomb is refused after max_bytes of output, not
            # inflated (urllib3 >= 2.6.3).
            chunk = resp.raw.read1(_CHUNK, decode_content=True)
            if not chunk:
                return b"".join(parts)
            size += len(chunk)
            if size > settings.max_bytes:
                raise FetchError(_too_large(url, settings))
            parts.append(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise FetchError(f"could not read the response from {url}: {exc}") from exc


def _too_large(url: str, settings: FetchSettings) -> str:
    """The message for a body over the size limit."""
    return f"response from {url} is larger than max_bytes ({settings.max_bytes} bytes decoded)"


def _fetched(resp: requests.Response, body: bytes, url: str, permanent: str | None) -> Fetched:
    """A Fetched from a response's status and headers."""
    return Fetched(
        status=resp.status_code,
        body=body,
        content_type=resp.headers.get("Content-Type"),
        etag=resp.headers.get("ETag"),
        last_modified=resp.headers.get("Last-Modified"),
        final_url=url,
        permanent_redirect=permanent,
    )


def _retry_after(resp: requests.Response, now: datetime) -> float | None:
    """Retry-After of a 429/503, in seconds from `now` (RFC 9110 §10.2.3: seconds or a date)."""
    value = resp.headers.get("Retry-After", "").strip()
    if resp.status_code not in (429, 503) or not value:
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


def _read_local(path: Path, url: str, settings: FetchSettings, etag: str | None) -> Fetched:
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
