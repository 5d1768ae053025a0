"""The shape every source kind shares: (spec, state, context) -> Collected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from sources.model.raw import RawItem
from sources.model.spec import FetchSettings, SourceSpec
from sources.model.state import SourceState
from sources.net.fetched import Fetched


@dataclass(frozen=True, slots=True)
class CollectContext:
    """What a collector may use besides its spec and state; `now` is injected, never read."""

    now: datetime
    fetch: FetchSettings
    work_dir: str = "var"  # where consumable copies (drop folders) live


@dataclass(frozen=True, slots=True)
class Collected:
    """What one poll produced: items, and what to remember for next time."""

    items: tuple[RawItem, ...] = ()
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    warning: str | None = None  # e.g. feedparser's bozo message; the items are still good
    permanent_redirect: str | None = None  # 301/308 target seen on this poll
    memo: MappingProxyType[str, str] | None = None  # replaces state.memo when not None
    notes: tuple[str, ...] = field(default=())


Collector = Callable[[SourceSpec, SourceState, CollectContext], Collected]


def unchanged(got: Fetched, *, permanent_redirect: str | None = None) -> Collected:
    """A 304: nothing to parse; the validators to keep (sources/net/validators.py) go on."""
    return Collected(
        not_modified=True,
        etag=got.etag,
        last_modified=got.last_modified,
        permanent_redirect=permanent_redirect,
    )
