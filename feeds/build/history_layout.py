"""Which positions each RFC 5005 history page covers, fixed once the page is published.

RFC 5005 §4: an archive document's content never changes, so a reader who fetched page 3
once never fetches it again. A new `archive_page_items` therefore applies only to pages
published after it: a feed's layout is a list of segments, each a run of pages of one size
(page `first_page` starts at position `first_position`), and only the last segment grows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Segment:
    """Pages first_page, first_page + 1, … of `size` positions each, from first_position."""

    first_page: int
    first_position: int
    size: int


@dataclass(frozen=True, slots=True)
class Layout:
    """A feed's history pages as segments, oldest first; the last one is still open."""

    segments: tuple[Segment, ...]

    @classmethod
    def uniform(cls, size: int) -> Layout:
        """Every page of one size (a feed whose page size never changed)."""
        return cls((Segment(1, 1, size),))

    @classmethod
    def load(cls, text: str) -> Layout:
        """From its stored form (`dump`)."""
        return cls(tuple(Segment(*map(int, seg)) for seg in json.loads(text)))

    def dump(self) -> str:
        """Its stored form: [[first_page, first_position, size], …]."""
        return json.dumps([[s.first_page, s.first_position, s.size] for s in self.segments])

    def pages(self, last_position: int, items: int) -> int:
        """Pages published when positions 1…last_position exist (history.py: K)."""
        last = self.segments[-1]
        grown = (last_position - items - (last.first_position - 1)) // last.size
        return last.first_page - 1 + max(0, grown)

    def bounds(self, page: int) -> tuple[int, int]:
        """The first and last position page n covers."""
        seg = next(s for s in reversed(self.segments) if s.first_page <= page)
        first = seg.first_position + (page - seg.first_page) * seg.size
        return first, first + seg.size - 1

    def end_of(self, pages: int) -> int:
        """The last position on pages 1…pages (0 when there are none)."""
        return self.bounds(pages)[1] if pages > 0 else 0

    def page_of(self, position: int) -> int:
        """The page a position is (or will be) on."""
        seg = next(s for s in reversed(self.segments) if s.first_position <= position)
        return seg.first_page + (position - seg.first_position) // seg.size

    def spans(self, first_page: int, last_page: int) -> list[tuple[Segment, int, int]]:
        """(segment, first position, last position) of pages first…last, per segment."""
        out = []
        for seg, after in zip(self.segments, (*self.segments[1:], None), strict=True):
            low = max(first_page, seg.first_page)
            high = last_page if after is None else min(last_page, after.first_page - 1)
            if low <= high:
                out.append((seg, self.bounds(low)[0], self.bounds(high)[1]))
        return out

    def with_size(self, size: int, stored: int) -> Layout:
        """This layout with pages after the `stored` ones (published already) of `size` items."""
        last = self.segments[-1]
        if last.size == size:
            return self
        if stored < last.first_page:  # none of the open segment's pages is out yet
            return Layout(
                (*self.segments[:-1], Segment(last.first_page, last.first_position, size))
            )
        return Layout((*self.segments, Segment(stored + 1, self.end_of(stored) + 1, size)))
