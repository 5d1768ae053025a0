"""What a source hands to normalization: upstream fields, as found, unparsed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RawImage:
    """An image as a source describes it; any field may be missing."""

    url: str
    type: str | None = None
    width: str | None = None
    height: str | None = None
    caption: str | None = None
    credit: str | None = None


@dataclass(frozen=True, slots=True)
class RawItem:
    """One upstream item: strings as the source gave them, nothing normalized yet.

    Dates stay text (with their original zone or abbreviation) because only the
    source's configured timezone can resolve a naive or abbreviated time.
    """

    source_id: str
    upstream_id: str | None = None
    url: str | None = None
    title: str | None = None
    title_is_html: bool = True
    summary: str | None = None
    content: str | None = None
    content_base: str | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    section: str | None = None
    published: str | None = None
    updated: str | None = None
    images: tuple[RawImage, ...] = ()
    language: str | None = None
    status: str | None = None
    base_url: str | None = None
    # True when content_base is only the address of the document the item came in (no
    # xml:base in scope): RSS content then resolves against the item's link first. Kept out
    # of the raw hash, whose payload must stay byte-identical for hashes already stored.
    content_base_inherited: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The fields as plain JSON-able values (what dataclasses.asdict gives, without copies)."""
        data: dict[str, Any] = {f: getattr(self, f) for f in _FIELDS}
        data["images"] = [_image_dict(img) for img in self.images]
        return data

    def hashed_fields(self) -> dict[str, Any]:
        """The fields the raw hash covers: every field but the ones added after hashes were."""
        data = self.as_dict()
        for name in _UNHASHED:
            del data[name]
        return data

    def content_hash(self) -> str:
        """Hash of the raw upstream fields: changes on a real edit, never on a re-poll."""
        # The payload must stay byte-identical across releases: stored hashes compare to it
        payload = json.dumps(self.hashed_fields(), sort_keys=True, ensure_ascii=False)
        # surrogatepass: a lone surrogate from a broken upstream must hash, not crash
        return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


_FIELDS = tuple(RawItem.__dataclass_fields__)
_UNHASHED = ("content_base_inherited",)
_IMAGE_FIELDS = tuple(RawImage.__dataclass_fields__)


def _image_dict(image: RawImage) -> dict[str, str | None]:
    return {f: getattr(image, f) for f in _IMAGE_FIELDS}
