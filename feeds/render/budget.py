"""Fit a feed under a byte budget: drop old items' content first, then old items, never cut."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Literal

from feeds.catalog import FeedMeta, Format
from feeds.partners import Dressing
from feeds.render.document import item_sizes, render
from feeds.render.fields import Tombstone
from sources.model.article import Article

# (articles kept from the newest, how many of the oldest kept ones lose their content)
Plan = tuple[int, int]


def render_within_budget(
    fmt: Format,
    meta: FeedMeta,
    articles: Sequence[Article],
    *,
    max_bytes: int,
    deleted: Sequence[Tombstone] = (),
    rss_pubdate: Literal["published", "updated"] = "published",
    dressing: Dressing | None = None,
) -> tuple[bytes, int]:
    """The document and how many articles it kept; an empty feed if nothing else fits."""

    def draw(plan: Plan) -> bytes:
        chosen = _apply(articles, plan)
        return render(
            fmt, meta, chosen, deleted=deleted, rss_pubdate=rss_pubdate, dressing=dressing
        )

    n = len(articles)
    full = draw((n, 0))
    if len(full) <= max_bytes or n == 0:
        return full, n
    bare = draw((n, n))
    plans = _plans(n)
    estimates = _estimates(fmt, full, bare, n)
    if estimates is None:
        return _search(draw, plans, max_bytes)
    return _verify(draw, plans, estimates, max_bytes, known={(n, n): bare})


def _apply(articles: Sequence[Article], plan: Plan) -> list[Article]:
    """The kept articles, the oldest `stripped` of them without content."""
    keep, stripped = plan
    cut = keep - stripped
    return [
        a if i < cut or a.content is None else replace(a, content=None)
        for i, a in enumerate(articles[:keep])
    ]


def _plans(n: int) -> list[Plan]:
    """Every plan from the largest to the smallest: strip content oldest first, then drop."""
    return [(n, j) for j in range(1, n + 1)] + [(k, k) for k in range(n - 1, -1, -1)]


def _estimates(fmt: Format, full: bytes, bare: bytes, n: int) -> list[int] | None:
    """Predicted size of each plan from per-item sizes measured in two renders."""
    with_content, _ = item_sizes(fmt, full)
    without, frame = item_sizes(fmt, bare)
    if len(with_content) != n or len(without) != n:
        return None
    sizes: list[int] = []
    total = frame + sum(with_content)
    for j in range(1, n + 1):
        total -= with_content[n - j] - without[n - j]
        sizes.append(total)
    for k in range(n - 1, -1, -1):
        total -= without[k]
        sizes.append(total)
    return sizes


def _verify(
    draw: Callable[[Plan], bytes],
    plans: list[Plan],
    estimates: list[int],
    max_bytes: int,
    known: dict[Plan, bytes],
) -> tuple[bytes, int]:
    """Render the largest plan predicted to fit; if it overshoots, tighten and try again."""
    slack = 0
    for plan, estimate in zip(plans, estimates, strict=True):
        if estimate + slack > max_bytes and plan != plans[-1]:
            continue
        document = known.get(plan) or draw(plan)
        if len(document) <= max_bytes or plan == plans[-1]:
            return document, plan[0]
        slack = len(document) - estimate
    raise AssertionError("unreachable: the last plan is always returned")


def _search(draw: Callable[[Plan], bytes], plans: list[Plan], max_bytes: int) -> tuple[bytes, int]:
    """Binary search over plans by real renders; sizes fall monotonically along the list."""
    cache: dict[int, bytes] = {}

    def fits(i: int) -> bool:
        cache[i] = draw(plans[i])
        return len(cache[i]) <= max_bytes

    lo, hi = 0, len(plans) - 1  # the answer lies in [lo, hi]; the last plan always goes
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid + 1
    return (cache[hi] if hi in cache else draw(plans[hi])), plans[hi][0]
