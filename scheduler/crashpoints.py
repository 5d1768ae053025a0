"""Named crash points (kept in feeds/, which scheduler may import and feeds may use)."""

from __future__ import annotations

from feeds.crashpoints import POINTS, reach

__all__ = ["POINTS", "reach"]
