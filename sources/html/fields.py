"""What one layer of an article page (JSON-LD, meta tags, selectors) says, and their merge."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class PageFields:
    """Article fields as one layer of a page states them; empty means "not stated here"."""

    url: str | None = None
    title: str | None = None
    title_is_html: bool = False
    summary: str | None = None
    body: str | None = None  # HTML
    authors: tuple[str, ...] = ()
    section: str | None = None
    countries: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    published: str | None = None
    updated: str | None = None
    image: str | None = None
    image_width: str | None = None
    image_height: str | None = None
    caption: str | None = None
    credit: str | None = None
    language: str | None = None


# Fields that travel together: the flag belongs to whichever title won, and an image's
# size belongs to that image, not to one a less trusted layer named.
_TIED = {"title_is_html": "title", "image_width": "image", "image_height": "image"}


def merge(*layers: PageFields) -> PageFields:
    """Each field from the first (most trusted) layer that states it."""
    chosen: dict[str, object] = {}
    for field in fields(PageFields):
        if field.name in _TIED:
            continue
        for layer in layers:
            value = getattr(layer, field.name)
            if value:
                chosen[field.name] = value
                for tied, leader in _TIED.items():
                    if leader == field.name:
                        chosen[tied] = getattr(layer, tied)
                break
    return PageFields(**chosen)  # type: ignore[arg-type]


def squash(text: str | None) -> str | None:
    """Whitespace runs to one space, trimmed; None when nothing is left."""
    if text is None:
        return None
    return " ".join(text.split()) or None
