"""Which URL of an <img> is the photo, and which URLs are placeholders never to publish.

Lazy-loading scripts (which never run in a feed reader) leave the photo in data-src,
data-lazy-src or a srcset and put a placeholder in src: a data: URI, a 1×1 pixel or a
file named like one (blank.gif, placeholder.png, spacer.gif). A <noscript> copy of the
<img> usually carries the real src.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

LAZY_SRC = ("data-src", "data-lazy-src", "data-original", "data-url", "data-lazy")
LAZY_SRCSET = ("data-srcset", "data-lazy-srcset")
TINY_PIXELS = 10  # a declared width or height below this is a spacer or a tracking pixel
# A file name (the last path segment only: a photo under /lazyload/ is still a photo) is a
# placeholder's when it holds one of these words, or is made of stand-in words alone:
# "blank.gif", "grey-1px.png" are; "grey-wolf.jpg", "pixel-9-review.jpg", "1.webp" are not.
_PLACEHOLDER_WORDS = frozenset({"placeholder", "spacer", "1x1", "lazyload"})
_STAND_IN_WORDS = frozenset({
    "blank", "pixel", "px", "transparent", "trans", "lazy", "load", "loading", "loader",
    "empty", "grey", "gray", "white", "clear", "dummy", "default", "1px", "s", "t",
})  # fmt: skip
_WORD = re.compile(r"[^\W_]+")
_LEADING_INT = re.compile(r"\s*(\d{1,6})")


def is_placeholder(url: str | None, width: str | None = None, height: str | None = None) -> bool:
    """True for an image URL that is not a photo: empty, data:, tiny or named like a stand-in."""
    url = (url or "").strip()
    if not url or url.lower().startswith("data:"):
        return True
    if is_tiny(width) or is_tiny(height):
        return True
    try:
        name = urlsplit(url).path.rsplit("/", 1)[-1]
    except ValueError:
        return True
    stem = name.rsplit(".", 1)[0] if "." in name else name  # "1.webp" is a gallery's first
    words = set(_WORD.findall(stem.lower()))
    return bool(words & _PLACEHOLDER_WORDS) or (bool(words) and words <= _STAND_IN_WORDS)


def is_tiny(size: str | None) -> bool:
    """A declared dimension ("1", "1px") too small for a photo."""
    match = _LEADING_INT.match(size or "")
    return match is not None and int(match.group(1)) < TINY_PIXELS


def largest_in_srcset(value: str | None) -> str | None:
    """The widest (or densest) candidate of a srcset (HTML §4.8.4.3), not a placeholder."""
    best, best_size = None, -1.0
    for candidate in (value or "").split(","):
        url, _, descriptor = candidate.strip().partition(" ")
        if not url or is_placeholder(url) or _scheme(url) not in ("", "http", "https"):
            continue
        size = _descriptor_size(descriptor.strip())
        if size > best_size:
            best, best_size = url, size
    return best


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return "?"


def _descriptor_size(descriptor: str) -> float:
    """ "1200w" -> 1200, "2x" -> 2; no descriptor means 1x (HTML §4.8.4.3.1)."""
    if descriptor[-1:] in ("w", "x"):
        try:
            return float(descriptor[:-1])
        except ValueError:
            return 0.0
    return 1.0


def real_src(attrs: Mapping[str, str]) -> str | None:
    """The photo's URL from an <img>'s attributes; None when it holds only a placeholder."""
    src = attrs.get("src")
    if not is_placeholder(src, attrs.get("width"), attrs.get("height")):
        return (src or "").strip()
    for name in LAZY_SRC:
        value = (attrs.get(name) or "").strip()
        # data-lazy="true" and the like are flags, not URLs
        if ("/" in value or "." in value) and " " not in value and not is_placeholder(value):
            return value
    for name in (*LAZY_SRCSET, "srcset"):
        best = largest_in_srcset(attrs.get(name))
        if best:
            return best
    return None
