"""`newsfeeds adopt`: live legacy feeds read politely, every item's id recorded per format."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from feeds.archive import open_store
from feeds.archive.tables import legacy_items, legacy_keys
from scheduler.cli import main
from scheduler.config import load
from scheduler.errors import ConfigError
from tests.legacy_support import STORIES, atom_id, published, rss_guid, serve_old_system
from tests.service_support import sample_config


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Path:
    return sample_config(
        tmp_path, 8080, store_url=store_url, extra="\n[fetch]\nhost_gap_seconds = 0\n"
    )


def newsfeeds(config: Path, *args: str) -> Result:
    """Run one command in this process (--config after the command, as the CLI allows)."""
    result = CliRunner().invoke(main, [*args, "--config", str(config)], env={"COLUMNS": "250"})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def rows(store_url: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Every adopted item and key, in a stable order."""
    store = open_store(store_url)
    try:
        with store.read() as conn:
            items = conn.execute(sa.select(legacy_items).order_by(legacy_items.c.id)).all()
            keys = conn.execute(sa.select(legacy_keys).order_by(*legacy_keys.c)).all()
    finally:
        store.dispose()
    return [tuple(r) for r in items], [tuple(r) for r in keys]


def test_adopt_reads_every_page_of_both_feeds(
    httpserver: HTTPServer, config: Path, store_url: str
) -> None:
    rss, atom = serve_old_system(httpserver)
    result = newsfeeds(config, "adopt", rss, atom)
    assert result.exit_code == 0, result.output
    assert f"{rss}: rss, 2 pages, 10 items: adopted 10, 0 already adopted" in result.output
    assert f"{atom}: atom, 2 pages, 10 items: adopted 10, 0 already adopted" in result.output
    assert "10 not matched to an article yet, 0 conflicts" in result.output
    items, _ = rows(store_url)
    by_id = {(r[2], r[3]): r for r in items}  # (format, legacy id)
    for n in STORIES:
        rss_row, atom_row = by_id[("rss", rss_guid(n))], by_id[("atom", atom_id(n))]
        assert rss_row[4] is False  # isPermaLink="false", as served
        assert atom_row[4] is None
        assert rss_row[7] == published(n) and atom_row[8] == published(n)
        assert atom_row[6] == rss_guid(n)  # the Atom entry's rel="shortlink"
    # the guessed WordPress page after the last answered 404: the end, not a failure
    assert any(req.args.get("paged") == "3" for req, _ in httpserver.log)


def test_adopt_twice_changes_nothing(httpserver: HTTPServer, config: Path, store_url: str) -> None:
    rss, atom = serve_old_system(httpserver)
    assert newsfeeds(config, "adopt", rss, atom).exit_code == 0
    first = rows(store_url)
    again = newsfeeds(config, "adopt", rss, atom)
    assert again.exit_code == 0
    assert "adopted 0, 10 already adopted" in again.output
    assert rows(store_url) == first


def test_dry_run_stores_nothing(httpserver: HTTPServer, config: Path, store_url: str) -> None:
    rss, atom = serve_old_system(httpserver)
    assert newsfeeds(config, "adopt", "--pages", "1", "--dry-run", rss).exit_code == 0
    if store_url.startswith("sqlite:///"):  # not even an empty archive is created
        assert not Path(store_url.removeprefix("sqlite:///")).exists()
    open_store(store_url).dispose()  # now the archive exists
    result = newsfeeds(config, "adopt", "--dry-run", rss, atom)
    assert result.exit_code == 0, result.output
    assert "would adopt 10, 0 already adopted" in result.output
    assert rows(store_url) == ([], [])


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Welcome</body></html>", b"<rss><channel><item>", b"\x89PNG\r\n\x1a\n"],
    ids=["html", "truncated", "binary"],
)
def test_unreachable_or_hostile_feed_adopts_nothing_from_it(
    httpserver: HTTPServer, config: Path, store_url: str, body: bytes
) -> None:
    rss, _ = serve_old_system(httpserver)
    httpserver.expect_request("/hostile").respond_with_data(body, content_type="text/xml")
    hostile = httpserver.url_for("/hostile").replace("localhost", "127.0.0.1")
    dead = f"http://127.0.0.1:{_closed_port()}/feed/"
    result = newsfeeds(config, "adopt", dead, hostile, rss)
    assert result.exit_code == 1
    assert f"{dead}: not adopted: could not fetch {dead}" in result.output
    assert f"{hostile}: not adopted: {hostile} is not" in result.output
    assert f"{rss}: rss, 2 pages, 10 items: adopted 10" in result.output
    items, _ = rows(store_url)
    assert {r[1] for r in items} == {rss}


def test_a_bad_map_file_is_named(httpserver: HTTPServer, config: Path, tmp_path: Path) -> None:
    rss, _ = serve_old_system(httpserver)
    bad = tmp_path / "map.csv"
    bad.write_text("https://old.example.com/?p=101,https://new.example.com/a\nonly-one\n")
    result = newsfeeds(config, "adopt", "--map-file", str(bad), rss)
    assert result.exit_code == 2
    assert "line 2: want `legacy guid or link,new URL or CMS id`" in result.output


@pytest.mark.parametrize(
    "entry",
    [
        'from = "/feed/"\nto = ""\nserve = true',
        'from = "/feeds/old.rss"\nto = "/feeds/latest.rss"\nserve = true',
        'from = "/feed/"\nto = "/feeds/latest"\nserve = true',
    ],
    ids=["gone", "inside-feeds", "not-a-document"],
)
def test_a_redirect_served_in_place_needs_a_feed_document(tmp_path: Path, entry: str) -> None:
    config = sample_config(tmp_path, 8080, extra=f"\n[[redirects]]\n{entry}\n")
    with pytest.raises(ConfigError, match=r"redirects\[0\]\.serve: .*serve = true needs"):
        load(config)


def test_a_redirect_served_in_place_is_read(tmp_path: Path) -> None:
    entry = 'from = "/feed/"\nto = "/feeds/latest.rss"\nserve = true'
    cfg = load(sample_config(tmp_path, 8080, extra=f"\n[[redirects]]\n{entry}\n"))
    assert dict(cfg.serve.served) == {"/feed/": "/feeds/latest.rss"}
    assert "/feed/" not in cfg.serve.redirects
    assert dict(cfg.site.served_at) == {"/feeds/latest.rss": ("/feed/",)}
