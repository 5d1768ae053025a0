"""Media types the pipeline recognizes by name or by file extension, stated once."""

from __future__ import annotations

from urllib.parse import urlsplit

# What a web server sends for an HTML page (HTML Living Standard; XHTML, RFC 3236)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
IMAGE_TYPES_BY_EXTENSION = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
}


def image_type_of(url: str) -> str:
    """An image's media type from its URL's file extension; "" when that tells nothing."""
    path = urlsplit(url).path.lower()
    extension = path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""
    return IMAGE_TYPES_BY_EXTENSION.get(extension, "")
