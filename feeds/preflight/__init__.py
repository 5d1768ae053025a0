"""Preflight: each partner's published rules, checked before an item enters its feed.

`packs.py` lists each profile's rules with the specification it cites; `rules.py` the
checks; `check.py` applies a pack to a feed's articles: what passes is served, what fails is
held out of that partner's feed only (never out of the public feeds), with its reason.
"""

from feeds.preflight.check import FeedProblem, Held, Verdict, preflight
from feeds.preflight.packs import PACKS, Pack

__all__ = ["PACKS", "FeedProblem", "Held", "Pack", "Verdict", "preflight"]
