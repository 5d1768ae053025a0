"""One entry point over the three formats, and where each one's items sit in its bytes."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Literal

from feeds.catalog import FeedMeta, Format
from feeds.partners import Dressing
from feeds.render import atom, jsonfeed, rss
from feeds.render.dressing import dress
from feeds.render.fields import Tombstone
from sources.model.article import Article

# (first bytes of an item, bytes that follow the last item), per format.
ITEM_MARKERS: dict[str, tuple[bytes, bytes]] = {
    "rss": (rss.ITEM_START, rss.ITEMS_END),
    "atom": (atom.ITEM_START, atom.ITEMS_END),
    "json": (jsonfeed.ITEM_START, jsonfeed.ITEMS_END),
}


def render(
    fmt: Format,
    meta: FeedMeta,
    articles: Sequence[Article],
    *,
    deleted: Sequence[Tombstone] = (),
    rss_pubdate: Literal["published", "updated"] = "published",
    dressing: Dressing | None = None,
) -> bytes:
    """Render one document; tombstones appear in Atom only (RSS and JSON have no element).

    `dressing`: a partner profile's extra elements (feeds/render/dressing.py).
    """
    if fmt == "rss":
        body = rss.render_rss(meta, articles, rss_pubdate=rss_pubdate)
        return dress(fmt, body, articles, dressing) if dressing else body
    if fmt == "atom":
        body = atom.render_atom(meta, articles, deleted=deleted)
        return dress(fmt, body, articles, dressing) if dressing else body
    if fmt == "json":
        return jsonfeed.render_json(meta, articles)
    raise ValueError(f"unknown feed format {fmt!r}: expected rss, atom or json")


def item_sizes(fmt: Format, document: bytes) -> tuple[list[int], int]:
    """Byte size of each item in a rendered document, and of everything else."""
    start, end = ITEM_MARKERS[fmt]
    offsets: list[int] = []
    at = document.find(start)
    while at != -1:
        offsets.append(at)
        at = document.find(start, at + len(start))
    if not offsets:
        return [], len(document)
    offsets.append(document.rfind(end))
    sizes = [b - a for a, b in pairwise(offsets)]
    return sizes, len(document) - sum(sizes)
