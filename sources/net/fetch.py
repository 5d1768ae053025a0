"""Fetch an upstream document politely and defensively: bytes in, never a Response out."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import requests
import urllib3

from sources.errors import FetchError, HttpStatusError
from sources.model.spec import FetchSettings
from sources.net import politeness, watched
from sources.net.fetched import Fetched, read_local, retry_after
from sources.net.watchdog import Limit

MAX_REDIRECTS = 5
_PERMANENT = frozenset({301, 308})
_TEMPORARY = frozenset({302, 303, 307})
_CHUNK = 64 * 1024
Reserve = Callable[[int], object]  # wait for room for a body of this size
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


def fetch(
    url: str,
    settings: FetchSettings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    now: datetime,
    session: requests.Session | None = None,
    reserve: Reserve | None = None,
) -> Fetched:
    """Fetch a URL (or read a local path); 304 gives an empty body and means: nothing to parse.

    `reserve(size)` is told a body's declared size before it is read (sources/net/budget.py);
    the seconds it waits for room do not count against the deadline.
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        own = session is None
        sess = session or watched.new_session()
        watched.watch_session(sess)
        try:
            return _fetch_http(url, settings, etag, last_modified, now, sess, reserve)
        finally:
            if own:
                sess.close()
    if scheme == "file":
        return read_local(Path(unquote(urlsplit(url).path)), url, settings, etag)
    if scheme and len(scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise FetchError(f"unsupported URL scheme {scheme!r} in {url}")
    return read_local(Path(url), url, settings, etag)


def _fetch_http(
    url: str,
    settings: FetchSettings,
    etag: str | None,
    last_modified: str | None,
    now: datetime,
    session: requests.Session,
    reserve: Reserve | None,
) -> Fetched:
    """Follow redirects hop by hop, so permanent ones can be seen and loops refused."""
    headers = _request_headers(settings, etag, last_modified)
    chain = [url]
    permanent: str | None = None
    permanent_run = True  # only an unbroken run of 301/308 from the start moves a source
    while True:
        current, host = chain[-1], politeness.host_key(chain[-1])
        # Each exchange gets the whole deadline, counted from its request: time spent
        # waiting for the host's turn is not the upstream's slowness. The watchdog holds it
        # over connect, status line, headers and body alike.
        with (
            politeness.turn(host, settings.host_gap_seconds),
            watched.limited(settings.deadline_seconds) as limit,
        ):
            try:
                answer = _exchange(session, current, headers, settings, now, limit, reserve)
            except FetchError as exc:
                timed_out = limit.expired or isinstance(exc.__cause__, requests.Timeout)
                politeness.note_slow(host, timed_out)
                if limit.expired:
                    raise FetchError(_late(current, settings)) from exc
                raise
        politeness.note_slow(host, False)
        if isinstance(answer, Fetched):
            return dataclasses.replace(answer, permanent_redirect=permanent)
        status, location = answer
        target = _redirect_target(current, status, location, chain)
        permanent_run = permanent_run and status in _PERMANENT
        if permanent_run:
            permanent = target
        chain.append(target)


def _exchange(
    session: requests.Session,
    url: str,
    headers: dict[str, str],
    settings: FetchSettings,
    now: datetime,
    limit: Limit,
    reserve: Reserve | None,
) -> Fetched | tuple[int, str | None]:
    """One request: the document, or a redirect's (status, Location) to follow."""
    resp = _send(session, url, headers, settings)
    with resp:
        if resp.status_code in _PERMANENT | _TEMPORARY:
            return resp.status_code, resp.headers.get("Location")
        if resp.status_code == 304:
            return _fetched(resp, b"", url)
        if resp.status_code >= 300:
            raise HttpStatusError(
                url,
                resp.status_code,
                retry_after(resp.status_code, resp.headers.get("Retry-After", ""), now),
            )
        return _fetched(resp, _read_body(resp, url, settings, limit, reserve), url)


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
    # the watchdog knows a socket only once it is connected: bound the connect itself too
    connect = min(settings.timeout_seconds, settings.deadline_seconds)
    timeout = (connect, settings.timeout_seconds)
    try:
        return session.get(
            url, headers=headers, timeout=timeout, stream=True, allow_redirects=False
        )
    except requests.Timeout as exc:
        raise FetchError(f"timed out after {settings.timeout_seconds:g} s: {url}") from exc
    except requests.RequestException as exc:
        raise FetchError(f"could not fetch {url}: {exc}") from exc


def _redirect_target(current: str, status: int, location: str | None, chain: list[str]) -> str:
    """The absolute Location of a redirect, refusing loops, long chains and other schemes."""
    if not location:
        raise FetchError(f"HTTP {status} from {current} without a Location header")
    target = urljoin(current, location.strip())
    if urlsplit(target).scheme.lower() not in ("http", "https"):
        raise FetchError(f"refused redirect from {current} to {target}: not http(s)")
    if target in chain:
        raise FetchError("redirect loop: " + " -> ".join([*chain, target]))
    if len(chain) > MAX_REDIRECTS:
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS}) from {chain[0]}")
    return target


def _read_body(
    resp: requests.Response,
    url: str,
    settings: FetchSettings,
    limit: Limit,
    reserve: Reserve | None,
) -> bytes:
    """Stream the decoded body, enforcing max_bytes on the decompressed size."""
    declared = resp.headers.get("Content-Length", "")
    is_plain = "Content-Encoding" not in resp.headers
    if is_plain and declared.isdigit() and int(declared) > settings.max_bytes:
        raise FetchError(_too_large(url, settings))
    if reserve is not None and is_plain and declared.isdigit():
        with limit.paused():
            reserve(int(declared))
    parts: list[bytes] = []
    size = 0
    try:
        while True:
            # read1 decodes at most _CHUNK bytes per call, so a gzip bomb is refused after
            # max_bytes of output, not inflated (urllib3 >= 2.6.3)
            chunk = resp.raw.read1(_CHUNK, decode_content=True)
            if limit.expired:  # the watchdog's shutdown reads as an end: it is not one
                raise FetchError(_late(url, settings))
            if not chunk:
                return b"".join(parts)
            size += len(chunk)
            if size > settings.max_bytes:
                raise FetchError(_too_large(url, settings))
            parts.append(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise FetchError(f"could not read the response from {url}: {exc}") from exc


def _late(url: str, settings: FetchSettings) -> str:
    """The message for an exchange cut off by the watchdog."""
    return (
        f"gave up on {url} after {settings.deadline_seconds:g} s: the response was still "
        "arriving (fetch.deadline_seconds)"
    )


def _too_large(url: str, settings: FetchSettings) -> str:
    """The message for a body over the size limit."""
    return f"response from {url} is larger than max_bytes ({settings.max_bytes} bytes decoded)"


def _fetched(resp: requests.Response, body: bytes, url: str) -> Fetched:
    """A Fetched from a response's status and headers."""
    return Fetched(
        status=resp.status_code,
        body=body,
        content_type=resp.headers.get("Content-Type"),
        etag=resp.headers.get("ETag"),
        last_modified=resp.headers.get("Last-Modified"),
        final_url=url,
        permanent_redirect=None,
    )
