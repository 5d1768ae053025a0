"""The lead image: from the source's media fields, else the first image in the content."""

from __future__ import annotations

import html
import re

from sources.model.article import Image
from sources.model.media import image_type_of
from sources.model.raw import RawImage
from sources.normalize.imagesrc import is_placeholder
from sources.normalize.text import plain_text
from sources.normalize.urls import canonical_url, is_web_url

CAPTION_MAX = 500
_FIRST_IMG_SRC = re.compile(r"<img\b[^>]*?\ssrc=\"([^\"]+)\"", re.IGNORECASE)
_LEADING_INT = re.compile(r"\s*(\d{1,6})")


def lead_image(images: tuple[RawImage, ...], content: str | None, base: str) -> Image | None:
    """The first usable image: media fields first, then the first <img> of sanitized content."""
    for raw in images:
        image = _from_raw(raw, base)
        if image is not None:
            return image
    match = _FIRST_IMG_SRC.search(content or "")
    if match:
        return _from_raw(RawImage(url=html.unescape(match.group(1))), base)
    return None


def _from_raw(raw: RawImage, base: str) -> Image | None:
    """An Image when the raw one has a web URL and is (or may be) a photo, not a placeholder."""
    if is_placeholder(raw.url, raw.width, raw.height):
        return None
    try:
        url = canonical_url(raw.url, base)
    except ValueError:
        return None
    if not is_web_url(url):
        return None
    media_type = _media_type(raw.type, url)
    if media_type is None:
        return None
    return Image(
        url=url,
        type=media_type or None,
        width=_dimension(raw.width),
        height=_dimension(raw.height),
        caption=plain_text(raw.caption, CAPTION_MAX) or None if raw.caption else None,
        credit=plain_text(raw.credit, CAPTION_MAX) or None if raw.credit else None,
    )


def _media_type(given: str | None, url: str) -> str | None:
    """The image's media type; "" when unknown, None when it is plainly not an image."""
    declared = (given or "").split(";")[0].strip().lower()
    if declared.startswith("image/"):
        return declared
    if declared and declared not in ("image", "application/octet-stream"):
        return None  # an enclosure of video/mp4 or audio/mpeg is not a lead image
    return image_type_of(url)


def _dimension(value: str | None) -> int | None:
    """A width or height in pixels ("600", "600px"), or None."""
    match = _LEADING_INT.match(value or "")
    return int(match.group(1)) or None if match else None
