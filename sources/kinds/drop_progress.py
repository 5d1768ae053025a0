"""How far a poll got through a drop folder, so a capped poll resumes where it stopped.

A poll takes at most `fetch.max_entries` items. Whole files come first; the file the cap
falls inside is taken in part, and the memo (saved only with the poll's commit) records
how many of its items are stored, so the next poll starts after them. Memo values:
`<sha256>` for a file taken whole (settled after the commit), `<sha256>+<n>` for one whose
first n items are stored (left in place). A rewritten file (another sha256) starts over;
upserts by id make items read twice harmless.
"""

from __future__ import annotations

from collections.abc import Mapping

_PART = "+"


def resume_at(memo: Mapping[str, str], name: str, digest: str) -> int:
    """How many of this file's items earlier polls stored (0 if none, or it changed since)."""
    kept_digest, sep, count = memo.get(name, "").partition(_PART)
    if not sep or kept_digest != digest or not count.isdigit():
        return 0
    return int(count)


def part_taken(digest: str, upto: int) -> str:
    """The memo value of a file whose first `upto` items are stored."""
    return f"{digest}{_PART}{upto}"


def is_whole(value: str) -> bool:
    """Was this memo value's file taken whole (so it may be settled)?"""
    return _PART not in value
