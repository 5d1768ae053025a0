"""Every source kind, registered once: its collector, its options and its hooks.

Config validates `[[sources]] kind` against the configurable kinds here and checks each
source's options and local path through them; the scheduler polls through `collect` and
calls the other hooks without knowing which kind it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sources.errors import OptionError, SourceError
from sources.kinds import feed, files, options, page, sitemap
from sources.kinds.base import CollectContext, Collected, Collector
from sources.kinds.options import Check
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
    options: tuple[str, ...] = ()  # the kind-specific `[[sources]]` keys it takes
    checks: tuple[Check, ...] = ()  # each raises OptionError for a wrong option
    # what is wrong with a local path (key, value, why), when the url is one; default: a file
    local_problem: Callable[[SourceSpec], tuple[str, object, str] | None] | None = None


_PAGE_RULES = ("selectors", "patterns", "date_format")
KINDS: dict[str, Kind] = {
    "feed": Kind(feed.collect),
    "files": Kind(
        files.collect,
        seed=files.seed,
        after_commit=files.after_commit,
        options=("seed", "settle_seconds"),
        checks=(options.settle_seconds, options.seed),
        local_problem=files.local_problem,
    ),
    "page": Kind(
        page.collect,
        needs_url=False,
        options=("urls", "listing", "link_selector", *_PAGE_RULES),
        checks=(options.page_urls, options.listing, options.something_to_read, options.page_rules),
    ),
    "sitemap": Kind(sitemap.collect, options=_PAGE_RULES, checks=(options.page_rules,)),
    # one implicit source, "push", for every token (sources/kinds/push.py)
    "push": Kind(None, configurable=False),
}
CONFIGURABLE = tuple(name for name, kind in KINDS.items() if kind.configurable)
EVERY_OPTION = tuple(dict.fromkeys(o for kind in KINDS.values() for o in kind.options))


def option_problems(source: SourceSpec) -> list[OptionError]:
    """Every problem with a source's kind-specific options (none for an unknown kind)."""
    kind = KINDS.get(source.kind)
    return [] if kind is None else options.problems(source, kind.options, kind.checks)


def local_problem(source: SourceSpec) -> tuple[str, object, str] | None:
    """What is wrong with a source whose url is a local path: (key, value, why), or None."""
    kind = KINDS.get(source.kind)
    if kind is None:
        return None
    if kind.local_problem is not None:
        return kind.local_problem(source)
    if Path(source.url).is_file():
        return None
    return ("url", source.url, "is not a file (a local feed must exist)")


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
