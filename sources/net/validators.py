"""Conditional GET with a source's stored validators, and what to keep after the answer."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

import requests

from sources.model.spec import FetchSettings
from sources.net.fetch import Reserve, fetch
from sources.net.fetched import Fetched


@dataclass(frozen=True, slots=True)
class Validators:
    """An ETag and a Last-Modified, as a server sent them (RFC 9110 §8.8)."""

    etag: str | None = None
    last_modified: str | None = None


def kept(stored: Validators, sent: Validators, *, not_modified: bool) -> Validators:
    """A 304 may omit validators (RFC 9110 §15.4.5): keep the stored ones, unless it sent new
    ones; a 200 replaces them, even with none."""
    if not_modified:
        return Validators(sent.etag or stored.etag, sent.last_modified or stored.last_modified)
    return sent


def fetch_since(
    url: str,
    settings: FetchSettings,
    stored: Validators,
    *,
    now: datetime,
    session: requests.Session | None = None,
    reserve: Reserve | None = None,
) -> Fetched:
    """Fetch with the stored validators; the result carries the validators to keep."""
    got = fetch(
        url,
        settings,
        etag=stored.etag,
        last_modified=stored.last_modified,
        now=now,
        session=session,
        reserve=reserve,
    )
    sent = Validators(got.etag, got.last_modified)
    keep = kept(stored, sent, not_modified=got.status == 304)
    return dataclasses.replace(got, etag=keep.etag, last_modified=keep.last_modified)
