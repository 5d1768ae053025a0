"""Every source kind, registered once: its collector and what its polls need around it.

Config validates `[[sources]] kind` against the configurable kinds here; the scheduler
polls through `collect` and calls the other hooks without knowing which kind it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sources.errors import SourceError
from sources.kinds import feed, files, page, sitemap
from sources.kinds.base import CollectContext, Collected, Collector
from sources.model.spec import SourceSpec
from sources.model.state import SourceState


@dataclass(frozen=True, slots=True)
class Kind:
    """One source kind: how a poll collects it, and its hooks (none for most kinds)."""

    collect: Collector | None  # None: never polled (the push API posts its articles)
    configurable: bool = True  # may a [[sources]] entry name it?
    needs_url: bool = True  # a page source may list its article URLs instead
    seed: Callable[[SourceSpec], None] | None = None  # before the first poll
    after_commit: Callable[[SourceSpec, Collected], None] | None = None  # once a poll is stored


KINDS: dict[str, Kind] = {
    "feed": Kind(feed.collect),
    "files": Kind(files.collect, seed=files.seed, after_commit=files.after_commit),
    "page": Kind(page.collect, needs_url=False),
    "sitemap": Kind(sitemap.collect),
    # one implicit source, "push", for every token (sources/kinds/push.py)
    "push": Kind(None, configurable=False),
}
CONFIGURABLE = tuple(name for name, kind in KINDS.items() if kind.configurable)


def collect(source: SourceSpec, state: SourceState, ctx: CollectContext) -> Collected:
    """Poll a source through its kind's collector."""
    collector = KINDS[source.kind].collect
    if collector is None:
        raise SourceError(f"source {source.id}: {source.kind} sources are not polled")
    return collector(source, state, ctx)


def seed(source: SourceSpec) -> None:
    """Prepare a source before its first poll, where its kind needs that."""
    hook = KINDS[source.kind].seed
    if hook is not None:
        hook(source)


def after_commit(source: SourceSpec, collected: Collected) -> None:
    """What a kind does once a poll of it is committed (the drop folder moves its files)."""
    hook = KINDS[source.kind].after_commit
    if hook is not None:
        hook(source, collected)
