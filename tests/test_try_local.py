"""`newsfeeds try FILE` (a feed or a CMS export on disk, --kind when it cannot tell) and the
`--json` of every listing command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_try import config, newsfeeds  # noqa: F401  (config is a fixture)

from scheduler.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples" / "feeds").iterdir())
DROP = sorted((ROOT / "samples" / "drop").glob("*.json"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_a_local_feed_shows_its_articles_and_stores_nothing(config: Path, path: Path) -> None:  # noqa: F811
    result = newsfeeds(config, "try", str(path.relative_to(ROOT)))
    assert result.exit_code == 0, result.output
    assert f"try (feed): {path.as_uri()}" in result.stdout
    assert " articles, 0 rejected (feed source)" in result.stderr
    assert not result.stderr.startswith("0 articles")
    assert not (config.parent / "newsfeeds.db").exists()  # the archive is not even opened


def test_a_local_cms_export_is_read_as_the_drop_folder_would(config: Path) -> None:  # noqa: F811
    result = newsfeeds(config, "try", str(DROP[0]), "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) >= 1 and all(r["url"].startswith("https://") for r in rows)
    assert "(files source)" in result.stderr


def test_a_file_it_cannot_tell_needs_kind(config: Path, tmp_path: Path) -> None:  # noqa: F811
    odd = tmp_path / "notes.txt"
    odd.write_text("title: a story\n")
    result = newsfeeds(config, "try", str(odd))
    assert result.exit_code == 2
    assert "cannot tell what this file holds; pass --kind feed or files" in result.output
    told = tmp_path / "feed.data"
    told.write_bytes(b"\xef\xbb\xbf" + SAMPLES[0].read_bytes())  # a BOM before the XML
    assert newsfeeds(config, "try", str(told), "--kind", "feed").exit_code == 0


def test_a_page_is_tried_by_its_url(config: Path, tmp_path: Path) -> None:  # noqa: F811
    page = tmp_path / "story.html"
    page.write_text("<!doctype html><html><head></head><body></body></html>")
    result = newsfeeds(config, "try", str(page))
    assert result.exit_code == 2 and "a page is tried by its URL" in result.output


@pytest.mark.parametrize(
    "command", [["try", "samples/feeds/world-wire.rss"], ["sources"], ["feeds"]]
)
def test_every_listing_command_gives_valid_json(config: Path, command: list[str]) -> None:  # noqa: F811
    assert newsfeeds(config, "ingest", "world-wire").exit_code == 0
    result = newsfeeds(config, *command, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows)


def test_at_80_columns_no_url_is_split(config: Path) -> None:  # noqa: F811
    path = ROOT / "samples" / "feeds" / "business-desk.atom"
    wide = newsfeeds(config, "try", str(path), "--json")
    urls = [u for r in json.loads(wide.stdout) for u in (r["url"], r["image"]) if u]
    result = CliRunner().invoke(
        main, ["--config", str(config), "try", str(path)], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    lines = [line.strip().removeprefix("image: ") for line in result.stdout.splitlines()]
    assert urls and all(u in lines for u in urls)  # each whole, on its own line
