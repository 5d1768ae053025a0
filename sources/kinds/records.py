"""CMS export objects (the drop-folder format, see sources/kinds/files.py) to raw items."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sources.errors import BadFile
from sources.kinds import json_numbers
from sources.model.raw import RawImage, RawItem

MAX_DEPTH = 16  # the format nests three levels deep; anything far past that is not an export
_TEXT_FIELDS = (
    "url", "title", "summary", "content_html", "section", "published", "updated", "guid"
)  # fmt: skip
# Every field of the format. Others are ignored and named, never an error, in the drop
# folder and the push API alike: a CMS may send its whole export, and a typo still shows.
FIELDS = ("id", *_TEXT_FIELDS, "authors", "countries", "tags", "image", "language", "status")
IMAGE_FIELDS = ("url", "type", "width", "height", "caption", "credit")


@dataclass(frozen=True, slots=True)
class Export:
    """One drop file's articles, and the unknown fields ignored in it ("item 2: slug")."""

    items: list[RawItem]
    ignored: list[str]


def read_export(source_id: str, name: str, data: bytes) -> Export:
    """Parse one drop file's bytes (`name` picks JSON or NDJSON) into raw items."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFile(f"not UTF-8 (byte {exc.start})") from exc
    records = _ndjson(text) if name.endswith(".ndjson") else _json(text)
    items = [_item(source_id, record, where) for where, record in records]
    ignored = [f"{where}: {', '.join(u)}" for where, r in records if (u := unknown_fields(r))]
    return Export(items, ignored)


def items_from_records(source_id: str, name: str, data: bytes) -> list[RawItem]:
    """The raw items of one drop file (see read_export)."""
    return read_export(source_id, name, data).items


def unknown_fields(record: object) -> list[str]:
    """The fields of an export object the format does not know (`image.x` inside its image)."""
    if not isinstance(record, dict):
        return []
    found = [str(k) for k in record if k not in FIELDS]
    image = record.get("image")
    if isinstance(image, dict):
        found += [f"image.{k}" for k in image if k not in IMAGE_FIELDS]
    return found


def _json(text: str) -> list[tuple[str, object]]:
    """A .json file: one object or a list of objects."""
    value = _loads(text, "file")
    if isinstance(value, list):
        return [(f"item {i + 1}", record) for i, record in enumerate(value)]
    return [("file", value)]


def _ndjson(text: str) -> list[tuple[str, object]]:
    """A .ndjson file: one object per non-blank line."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    return [(f"line {n}", _loads(line, f"line {n}")) for n, line in lines]


def _loads(text: str, where: str) -> object:
    """JSON text to a value, refusing bad syntax and absurd nesting."""
    try:
        value = json_numbers.loads(text)
    except RecursionError as exc:  # json.loads recurses per nesting level
        raise BadFile(f"{where}: nested too deeply") from exc
    except json.JSONDecodeError as exc:
        raise BadFile(f"{where}: invalid JSON ({exc.msg} at line {exc.lineno})") from exc
    if json_depth(value) > MAX_DEPTH:
        raise BadFile(f"{where}: nested more than {MAX_DEPTH} levels deep")
    return value


def json_depth(value: object) -> int:
    """How deeply lists and objects nest in a JSON value (iterative: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, level = stack.pop()
        if isinstance(current, dict):
            current = list(current.values())
        if isinstance(current, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in current)
    return deepest


def _item(source_id: str, record: object, where: str) -> RawItem:
    """One export object to a raw item, as found."""
    if not isinstance(record, dict):
        raise BadFile(f"{where}: expected an object, got {_kind(record)}")
    for key in FIELDS:
        bad = json_numbers.out_of_range(record.get(key))
        if bad is not None:
            raise BadFile(f"{where}: {key}: {bad.reason()}")
    text = {key: _text(record, key, where) for key in _TEXT_FIELDS}
    if not text["title"] and not text["url"]:
        raise BadFile(f"{where}: an article needs a title or a url, it has neither")
    return RawItem(
        source_id=source_id,
        upstream_id=_id(record.get("id"), where),
        url=text["url"],
        title=text["title"],
        summary=text["summary"],
        content=text["content_html"],
        content_base=text["url"],
        authors=_names(record.get("authors"), "authors", where),
        categories=_names(record.get("tags"), "tags", where),
        countries=_names(record.get("countries"), "countries", where),
        section=text["section"],
        published=text["published"],
        updated=text["updated"],
        images=_images(record.get("image"), where),
        language=_text(record, "language", where),
        status=_text(record, "status", where),
        base_url=text["url"],
        guid=text["guid"],
    )


def _text(record: dict[str, object], key: str, where: str) -> str | None:
    """A text field; numbers are taken as text, anything else is a wrong type."""
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise BadFile(f"{where}: {key} should be text, got {_kind(value)}")


def _id(value: object, where: str) -> str | None:
    """The upstream id: text or a whole number."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise BadFile(f"{where}: id should be text or a number, got {_kind(value)}")


def _names(value: object, key: str, where: str) -> tuple[str, ...]:
    """A list of names: one string, a list of strings, or a list of {"name": …} objects."""
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    names = []
    for entry in values:
        name = entry.get("name") if isinstance(entry, dict) else entry
        if not isinstance(name, str):
            raise BadFile(f"{where}: {key} should be names, got {_kind(name)}")
        names.append(name)
    return tuple(names)


def _images(value: object, where: str) -> tuple[RawImage, ...]:
    """The lead image: an object with a url, or just the URL."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (RawImage(url=value),)
    url = value.get("url") if isinstance(value, dict) else None
    if not isinstance(value, dict) or not isinstance(url, str):
        raise BadFile(f"{where}: image should be an object with a url, got {_kind(value)}")
    return (
        RawImage(
            url=url,
            type=_text(value, "type", where),
            width=_text(value, "width", where),
            height=_text(value, "height", where),
            caption=_text(value, "caption", where),
            credit=_text(value, "credit", where),
        ),
    )


def _kind(value: object) -> str:
    """A JSON type name for messages."""
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")
