"""Render a feed's articles as RSS 2.0, Atom 1.0 or JSON Feed 1.1 bytes: pure, deterministic.

Same inputs give the same bytes: no clock, no randomness, nothing from a request. Articles are
rendered in the order given (the caller sorts newest first). The feed's lastBuildDate/updated
is the newest item `updated`; an empty feed uses `meta.empty_updated` (its stored change time,
feeds/build/drafts.py), else EMPTY_FEED_UPDATED (2000-01-01T00:00:00Z).
"""

from feeds.render.budget import render_within_budget
from feeds.render.document import render
from feeds.render.fields import EMPTY_FEED_UPDATED, Tombstone

__all__ = ["EMPTY_FEED_UPDATED", "Tombstone", "render", "render_within_budget"]
