"""Which RFC 5005 history pages a feed has, which to (re)render, and their links.

Design (RFC 5005 §4, archived feeds). Members of a feed carry a feed-local arrival position
that never changes. With P = `archive_page_items`, page n holds the live members at positions
(n-1)*P+1 … n*P; page 1 is the oldest. With N the highest position given so far and I =
`items`, the feed publishes K = max(0, (N - I) // P) pages: only pages whose range is closed
(full) *and* followed by at least I newer arrivals. The current (subscription) document holds
every live member after page K, newest first: between I and I + P - 1 arrivals, less those
withdrawn. So current + pages 1…K partition the live members: each appears exactly once,
with no gap when a page closes, and the current document never drops to a handful of items
just after a page is published. `items` is therefore the fewest arrivals the current
document of an archived feed carries; combos (not archived) carry the newest `items`.
P is the size the page was published with: after `archive_page_items` changes, only pages
published later take the new size (feeds/build/history_layout.py, feeds/build/history_plan.py).

The current document links to page K (prev-archive; JSON Feed next_url); each page links
to current, and to its neighbours (prev-archive, next-archive) where they exist.

A page is re-rendered only when needed: it is new, the previous newest page gains a
next-archive link, its live-member count differs from the items its stored documents hold
(a withdrawal, a take-down, a member moved away), or one of its members was withdrawn
within RECHECK_WINDOW (a withdrawal and a restoration on the same page cancel in the count).
Re-rendering a page whose bytes did not change stores nothing, so a false alarm costs only
CPU. Edits to an article on a closed page reach that page at its next re-render.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta

from feeds.catalog import FeedKey, FeedMeta

HISTORY_KINDS = frozenset({"latest", "section", "country"})
RECHECK_WINDOW = timedelta(hours=1)


def has_history(key: FeedKey) -> bool:
    """True for feeds with history pages: latest, every section, every country."""
    return key.kind in HISTORY_KINDS


def history_pages(last_position: int, items: int, page_items: int) -> int:
    """How many history pages a feed publishes (K in the module docstring)."""
    return max(0, (last_position - items) // page_items)


def page_bounds(page: int, page_items: int) -> tuple[int, int]:
    """The first and last position page n covers."""
    return (page - 1) * page_items + 1, page * page_items


def subscription_meta(meta: FeedMeta, pages: int) -> FeedMeta:
    """The current document's metadata: prev-archive to the newest page, if any."""
    return dataclasses.replace(
        meta, prev_archive_stem=meta.key.history_stem(pages) if pages else None
    )


def page_meta(meta: FeedMeta, page: int, pages: int) -> FeedMeta:
    """A history page's metadata: served at its own path, linked to current and neighbours."""
    return dataclasses.replace(
        meta,
        is_archive_page=True,
        page_stem=meta.key.history_stem(page),
        current_stem=meta.key.stem,
        prev_archive_stem=meta.key.history_stem(page - 1) if page > 1 else None,
        next_archive_stem=meta.key.history_stem(page + 1) if page < pages else None,
    )


def pages_to_render(
    pages: int,
    live: Mapping[int, int],
    stored: Mapping[int, tuple[int, int]],
    formats: int,
    recently_withdrawn: set[int],
) -> list[int]:
    """Pages 1…pages whose stored documents are missing or out of date."""
    newest_stored = max((n for n in stored if n <= pages), default=0)
    todo = {n for n in recently_withdrawn if 1 <= n <= pages}
    if 0 < newest_stored < pages:
        todo.add(newest_stored)  # it gains a next-archive link
    for n in range(1, pages + 1):
        have = stored.get(n)
        if have is None or have[0] < formats or have[1] != live.get(n, 0):
            todo.add(n)
    return sorted(todo)


def moved_to_pages(
    pages: int, stored: Mapping[int, tuple[int, int]], live: Mapping[int, int]
) -> int:
    """Live members that move from the current document onto pages published now."""
    newest_stored = max((n for n in stored if n <= pages), default=0)
    return sum(live.get(n, 0) for n in range(newest_stored + 1, pages + 1))
