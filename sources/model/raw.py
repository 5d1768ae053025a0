"""What a source hands to normalization: upstream fields, as found, unparsed."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

# A code point UTF-8 cannot hold: a lone surrogate, from a JSON "\ud800" escape or a file
# name that is not UTF-8 (os.fsdecode's surrogateescape). Python strings can carry one,
# SQLite and PostgreSQL cannot store one.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"  # Unicode §3.9 U+FFFD: what a decoder puts for what it cannot read


def encodable_text(text: str) -> str:
    """Text any store can encode: each lone surrogate replaced with U+FFFD."""
    return _LONE_SURROGATE.sub(REPLACEMENT, text)


def _has_lone_surrogate(value: object) -> bool:
    """Does this string hold a lone surrogate? (ASCII first: the common case costs nothing)."""
    if not isinstance(value, str) or value.isascii():
        return False
    try:  # C speed: a regex search costs three times as much on 4 KB of Devanagari
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _any_lone(values: tuple[str, ...]) -> bool:
    return any(_has_lone_surrogate(v) for v in values)


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
    # The public id a CMS chose (push API, drop folder): honoured at first sight only, and
    # out of the raw hash for the same reason as content_base_inherited.
    guid: str | None = None

    def encodable(self) -> RawItem:
        """This item with every string encodable (itself when none needs it)."""
        changes: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(self, name)
            if _has_lone_surrogate(value):
                changes[name] = encodable_text(value)
            elif name != "images" and isinstance(value, tuple) and _any_lone(value):
                changes[name] = tuple(encodable_text(v) for v in value)
        if any(_has_lone_surrogate(getattr(i, f)) for i in self.images for f in _IMAGE_FIELDS):
            changes["images"] = tuple(_encodable_image(i) for i in self.images)
        return dataclasses.replace(self, **changes) if changes else self

    def as_dict(self) -> dict[str, Any]:
        """The fields as plain JSON-able values (what dataclasses.asdict gives, without copies)."""
        data: dict[str, Any] = {f: getattr(self, f) for f in _FIELDS}
        data["images"] = [_image_dict(img) for img in self.images]
        return data

    def hashed_fields(self) -> dict[str, Any]:
        """The fields the raw hash covers: every field but the ones added after hashes were."""
        data = self.as_dict()
        for name in _UNHASHED:
            data.pop(name, None)
        return data

    def content_hash(self) -> str:
        """Hash of the raw upstream fields: changes on a real edit, never on a re-poll."""
        # The payload must stay byte-identical across releases: stored hashes compare to it
        payload = json.dumps(self.hashed_fields(), sort_keys=True, ensure_ascii=False)
        # surrogatepass: a lone surrogate from a broken upstream must hash, not crash
        return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


_FIELDS = tuple(RawItem.__dataclass_fields__)
_UNHASHED = ("content_base_inherited", "guid")
_IMAGE_FIELDS = tuple(RawImage.__dataclass_fields__)


def _image_dict(image: RawImage) -> dict[str, str | None]:
    return {f: getattr(image, f) for f in _IMAGE_FIELDS}


def _encodable_image(image: RawImage) -> RawImage:
    fields = {f: getattr(image, f) for f in _IMAGE_FIELDS}
    return RawImage(
        **{f: encodable_text(v) if isinstance(v, str) else v for f, v in fields.items()}
    )
