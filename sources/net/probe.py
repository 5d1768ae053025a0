"""Probe an image's size from its first bytes, with the same politeness and limits as a poll.

Only the head of the file is read (a Range request, and the connection closed once the size
is known or `HEAD_BYTES` arrived, whatever the server sends); the whole exchange is bounded
by fetch.deadline_seconds as a poll is, one request at a time per host.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
import urllib3

from sources.errors import FetchError, HttpStatusError
from sources.model.spec import FetchSettings
from sources.net import politeness, watched
from sources.net.fetch import _PERMANENT, _TEMPORARY, _late, _redirect_target, _send
from sources.net.imagesize import Size, kind, size_of
from sources.net.watchdog import Limit

HEAD_BYTES = 256 * 1024  # a JPEG's frame header follows its EXIF block, at most 64 KB each
_CHUNK = 16 * 1024


@dataclass(frozen=True, slots=True)
class _Redirect:
    status: int
    location: str | None


class NotAnImageError(FetchError):
    """The response is not a PNG, GIF, JPEG or WebP whose size its first bytes give."""


def probe(url: str, settings: FetchSettings, session: requests.Session | None = None) -> Size:
    """The (width, height) of the image at `url`; FetchError says why there is none."""
    own = session is None
    sess = session or watched.new_session()
    watched.watch_session(sess)
    headers = {
        "User-Agent": settings.user_agent,
        "Accept": "image/*",
        "Accept-Encoding": "identity",  # the head of a compressed body is no image header
        "Range": f"bytes=0-{HEAD_BYTES - 1}",
    }
    chain = [url]
    try:
        while True:
            current, host = chain[-1], politeness.host_key(chain[-1])
            with (
                politeness.turn(host, settings.host_gap_seconds),
                watched.limited(settings.deadline_seconds) as limit,
            ):
                try:
                    answer = _exchange(sess, current, headers, settings, limit)
                except FetchError:
                    politeness.note_slow(host, limit.expired)
                    if limit.expired:
                        raise FetchError(_late(current, settings)) from None
                    raise
            politeness.note_slow(host, False)
            if not isinstance(answer, _Redirect):
                return answer
            chain.append(_redirect_target(current, answer.status, answer.location, chain))
    finally:
        if own:
            sess.close()


def _exchange(
    session: requests.Session,
    url: str,
    headers: dict[str, str],
    settings: FetchSettings,
    limit: Limit,
) -> Size | _Redirect:
    """One request: the size, or a redirect to follow."""
    resp = _send(session, url, headers, settings)
    with resp:
        if resp.status_code in _PERMANENT | _TEMPORARY:
            return _Redirect(resp.status_code, resp.headers.get("Location"))
        if resp.status_code not in (200, 206):
            raise HttpStatusError(url, resp.status_code, None)
        return _read_size(resp, url, settings, limit)


def _read_size(resp: requests.Response, url: str, settings: FetchSettings, limit: Limit) -> Size:
    """Read until the header gives the size; never more than HEAD_BYTES."""
    cap = min(HEAD_BYTES, settings.max_bytes)
    head = b""
    try:
        while len(head) < cap:
            chunk = resp.raw.read1(min(_CHUNK, cap - len(head)), decode_content=True)
            if limit.expired:  # the watchdog's shutdown reads as an end: it is not one
                raise FetchError(_late(url, settings))
            if not chunk:
                break
            head += chunk
            if len(head) >= 12 and kind(head) is None:
                break  # no image signature: reading on cannot change that
            found = size_of(head)
            if found is not None:
                return found
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise FetchError(f"could not read the response from {url}: {exc}") from exc
    raise NotAnImageError(_why_not(url, head, cap, resp.headers.get("Content-Type")))


def _why_not(url: str, head: bytes, cap: int, content_type: str | None) -> str:
    """The message for a response whose first bytes give no size."""
    if kind(head) is None:
        return f"{url} is not a PNG, GIF, JPEG or WebP image (Content-Type {content_type})"
    if len(head) >= cap:
        return f"{url}: no image size in its first {cap} bytes"
    return f"{url}: the image ends before its size ({len(head)} bytes)"
