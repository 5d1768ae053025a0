"""Parsing feed bytes into RawItems: one quirk per fixture file, expected items beside it.

Each `tests/fixtures/feed/<name>.<ext>` has `<name>.expected.json` holding the input
Content-Type and either the expected items and warning or the expected error.
`UPDATE_GOLDEN=1 pytest tests/test_feed_parse.py` rewrites the expected items.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from sources.errors import NotAFeedError
from sources.kinds.feed import parse_feed
from sources.model.raw import RawItem
from sources.model.spec import SourceSpec

FIXTURES = Path(__file__).parent / "fixtures" / "feed"
BASE = "https://news.example.com/feed.xml"
SPEC = SourceSpec(id="wire", kind="feed", url=BASE, interval_seconds=300, section="world")
CASES = sorted(FIXTURES.glob("*.expected.json"))


def parse(
    body: bytes, content_type: str | None = "application/rss+xml", max_entries: int = 50
) -> tuple[tuple[RawItem, ...], str | None]:
    """parse_feed with this module's source and base URL."""
    return parse_feed(
        body, content_type=content_type, source=SPEC, max_entries=max_entries, base_url=BASE
    )


def body_of(case: Path) -> bytes:
    """The fixture file an expected-json file describes."""
    stem = case.name.removesuffix(".expected.json")
    (source,) = [p for p in FIXTURES.glob(stem + ".*") if not p.name.endswith(".json")]
    return source.read_bytes()


def as_json(items: tuple[RawItem, ...]) -> list[dict[str, Any]]:
    """Items as plain JSON-able dicts."""
    loaded: list[dict[str, Any]] = json.loads(json.dumps([dataclasses.asdict(i) for i in items]))
    return loaded


@pytest.mark.parametrize("case", CASES, ids=[c.name.split(".")[0] for c in CASES])
def test_fixture(case: Path) -> None:
    expected = json.loads(case.read_text(encoding="utf-8"))
    body = body_of(case)
    if "error" in expected:
        with pytest.raises(NotAFeedError) as caught:
            parse(body, expected["content_type"])
        assert expected["error"] in str(caught.value)
        return
    items, warning = parse(body, expected["content_type"])
    if os.environ.get("UPDATE_GOLDEN"):
        expected.update(warning=warning, items=as_json(items))
        case.write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert warning == expected["warning"]
    assert as_json(items) == expected["items"]


def test_fixture_files_all_have_expectations() -> None:
    inputs = {p.name.split(".")[0] for p in FIXTURES.iterdir() if not p.name.endswith(".json")}
    assert inputs == {c.name.split(".")[0] for c in CASES}


def test_every_value_is_a_plain_str() -> None:
    items, _ = parse((FIXTURES / "rss20_full.xml").read_bytes())
    images = [image for item in items for image in item.images]
    assert images
    records = [*(dataclasses.asdict(i) for i in items), *(dataclasses.asdict(i) for i in images)]
    for record in records:
        for name, value in record.items():
            leaves = value if isinstance(value, (tuple, list)) else (value,)
            for leaf in leaves:
                if name != "images" and leaf is not None and not isinstance(leaf, bool):
                    assert type(leaf) is str, (name, type(leaf))


def test_dates_stay_raw_text_with_their_zone() -> None:
    items, _ = parse((FIXTURES / "rss20_full.xml").read_bytes())
    assert items[0].published == "Mon, 01 Jan 2024 10:00:00 EST"
    assert items[0].updated is None  # no fallback to published


def test_at_most_max_entries() -> None:
    items, _ = parse((FIXTURES / "rss20_full.xml").read_bytes(), max_entries=1)
    assert [item.upstream_id for item in items] == ["wire-1001"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", None])
def test_a_wrong_content_type_on_a_good_feed_still_parses(content_type: str | None) -> None:
    items, _ = parse((FIXTURES / "rss20_full.xml").read_bytes(), content_type)
    assert [item.title for item in items] == [
        "Floods & storms: Weather warning issued",
        "Markets calm",
    ]


def test_html_served_as_xml_is_named_as_html() -> None:
    body = (FIXTURES / "html_page.html").read_bytes()
    with pytest.raises(NotAFeedError, match="got an HTML page"):
        parse(body, "application/xml")


def test_a_body_naming_a_file_is_not_opened(tmp_path: Path) -> None:
    path = tmp_path / "secret.xml"
    path.write_bytes((FIXTURES / "rss20_full.xml").read_bytes())
    with pytest.raises(NotAFeedError):
        parse(str(path).encode())
