"""nginx serving the docroot with `newsfeeds nginx-config` answers as the Python server does.

For every document (current feeds in each format, history pages, the index, OPML and the
stylesheet): the same body, Content-Type, Cache-Control, Vary, Link, X-Content-Type-Options
and Last-Modified, in each coding; 304 on nginx's own validators; gzip only when asked;
301 and 410 as configured; 404 for what does not exist. Real nginx, real uvicorn.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import brotli
import pytest
from docroot_support import T1, docroot_config, publish_some, stored_documents
from http_support import Reply, fetch, serving
from nginx_support import free_port, has_brotli, running_nginx

from scheduler.service import Service
from tests.service_support import cli

COMPARED = (
    "content-type",
    "cache-control",
    "vary",
    "link",
    "x-content-type-options",
    "surrogate-key",
    "cache-tag",
)
PAGES = ("/", "/feeds.opml", "/feeds/style.xsl")
CODINGS = {"identity": None, "gzip": "gzip", "br": "br, gzip"}


@dataclass
class Pair:
    """The Python server and nginx over one archive and its docroot."""

    service: Service
    python: int
    nginx: int
    paths: list[str]


def _decoded(reply: Reply) -> bytes:
    coding = reply.headers.get("content-encoding")
    if coding == "gzip":
        return gzip.decompress(reply.body)
    return brotli.decompress(reply.body) if coding == "br" else reply.body


def nginx_config(tmp: Path, python_port: int, nginx_port: int) -> str:
    """The server block as the command prints it."""
    made = cli(
        tmp / "config.toml",
        "nginx-config",
        f"--listen=127.0.0.1:{nginx_port}",
        f"--upstream=127.0.0.1:{python_port}",
    )
    assert made.returncode == 0, made.stderr
    return made.stdout


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    """Both servers over a SQLite archive with current documents and history pages."""
    sitemaps = '[sitemaps]\nhosts = ["news.test"]\n'
    url = f"sqlite:///{tmp_path / 'a.db'}"
    service = Service(docroot_config(tmp_path, url, tmp_path / "pub", extra=sitemaps))
    service.start_feeds()
    publish_some(service, n=5)
    paths = [d.path for d in stored_documents(service)]
    app = service.make_app()
    nginx_port = free_port()
    with serving(app) as python_port:
        conf = nginx_config(tmp_path, python_port, nginx_port)
        with running_nginx(tmp_path / "nginx", conf, nginx_port):
            yield Pair(service, python_port, nginx_port, paths)
    service.store.dispose()


def _both(pair: Pair, path: str, headers: dict[str, str] | None = None) -> tuple[Reply, Reply]:
    return fetch(pair.python, path, headers), fetch(pair.nginx, path, headers)


def test_every_path_has_the_same_body_and_headers_in_every_coding(pair: Pair) -> None:
    assert any("/archive/" in p for p in pair.paths)
    assert "/sitemaps/news.xml" in pair.paths
    for path in [*pair.paths, *PAGES]:
        for coding, accept in CODINGS.items():
            if coding == "br" and not has_brotli():
                continue
            python, nginx = _both(pair, path, {"Accept-Encoding": accept} if accept else None)
            assert (python.status, nginx.status) == (200, 200), path
            assert _decoded(nginx) == _decoded(python), (path, coding)
            if path not in PAGES:  # the Python server sends its pages uncompressed
                assert nginx.headers.get("content-encoding") == python.headers.get(
                    "content-encoding"
                ), (path, coding)
            for name in COMPARED:
                assert nginx.headers.get(name) == python.headers.get(name), (path, coding, name)
            if path.startswith("/feeds/") and path not in PAGES:
                assert {"link", "surrogate-key", "cache-tag"} <= set(nginx.headers), path
            if path != "/feeds/style.xsl":  # the Python server dates no stylesheet
                assert nginx.headers["last-modified"] == python.headers["last-modified"], path


def test_gzip_only_when_asked(pair: Pair) -> None:
    for path in (*pair.paths[:3], "/"):
        for accept in (None, "identity", "gzip;q=0, deflate"):
            reply = fetch(pair.nginx, path, {"Accept-Encoding": accept} if accept else None)
            assert "content-encoding" not in reply.headers, (path, accept)


def test_304_on_nginx_validators(pair: Pair) -> None:
    for path in [pair.paths[0], "/feeds/latest.atom", "/"]:
        for accept in ("gzip", None):
            asked = {"Accept-Encoding": accept} if accept else {}
            first = fetch(pair.nginx, path, asked)
            by_etag = fetch(pair.nginx, path, {**asked, "If-None-Match": first.headers["etag"]})
            by_date = fetch(
                pair.nginx, path, {**asked, "If-Modified-Since": first.headers["last-modified"]}
            )
            assert (by_etag.status, by_date.status) == (304, 304), path
            python = fetch(pair.python, path, {**asked, "If-None-Match": "*"})
            for name in ("cache-control", "link"):
                assert by_etag.headers.get(name) == python.headers.get(name), (path, name)


def test_redirects_and_gone_paths_as_configured(pair: Pair) -> None:
    for path in (
        "/feeds/section/sport.rss",
        "/feeds/section/sport/in.atom",
        "/feeds/all.rss",
        "/feeds/section/weather.json",
        "/feeds/section/weather/archive/1.rss",
        "/feeds/section/nothing.rss",
        "/nothing",
        "/feeds/latest.rss.gz",
        "/.newsfeeds-tmp/x",
    ):
        python, nginx = _both(pair, path)
        assert nginx.status == python.status, path
        assert nginx.headers.get("location") == python.headers.get("location"), path


def test_proxied_paths_reach_the_python_process(pair: Pair) -> None:
    assert fetch(pair.nginx, "/healthz").body == b"ok\n"
    assert fetch(pair.nginx, "/metrics").status == 200
    assert fetch(pair.nginx, "/api/articles", method="POST").status in (401, 404)
    python, nginx = _both(pair, "/feeds/latest.html")  # previews are built on request
    assert (python.status, nginx.status) == (200, 200) and nginx.body == python.body
    assert nginx.headers["x-robots-tag"] == "noindex, follow"


def test_a_change_within_one_second_changes_nginx_etag(pair: Pair) -> None:
    path = "/feeds/section/world.rss"
    before = fetch(pair.nginx, path, {"Accept-Encoding": "gzip"})
    publish_some(pair.service, T1 + timedelta(milliseconds=400), n=6)
    after = fetch(pair.nginx, path, {"Accept-Encoding": "gzip"})
    assert after.headers["etag"] != before.headers["etag"]
    assert fetch(pair.nginx, path, {"If-None-Match": before.headers["etag"]}).status == 200
    assert (
        fetch(pair.nginx, path, {"If-Modified-Since": before.headers["last-modified"]}).status
        == 200
    )


def test_retired_documents_are_gone_from_both(tmp_path: Path) -> None:
    url, root = f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "pub"
    service = Service(docroot_config(tmp_path, url, root))
    publish_some(service)
    service.store.dispose()
    text = (tmp_path / "config.toml").read_text(encoding="utf-8")
    text = text.replace('slug = "business"\ntitle = "Business"', 'slug = "india2"\ntitle = "I"')
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    again = Service(docroot_config(tmp_path, url, root, raw=text))
    again.rebuild()  # the first pass of a process takes retired documents out
    nginx_port = free_port()
    with serving(again.make_app()) as python_port:
        conf = nginx_config(tmp_path, python_port, nginx_port)
        with running_nginx(tmp_path / "nginx", conf, nginx_port):
            for fmt in ("rss", "atom", "json"):
                path = f"/feeds/section/business.{fmt}"
                python, nginx = _both(Pair(again, python_port, nginx_port, []), path)
                assert (python.status, nginx.status) == (410, 410), path
    again.store.dispose()


def test_two_processes_on_one_archive_give_the_same_validators(
    tmp_path: Path, store_url: str
) -> None:
    one = Service(docroot_config(tmp_path, store_url, tmp_path / "one"))
    one.start_feeds()
    publish_some(one, n=5)
    publish_some(one, T1 + timedelta(seconds=30), n=6)
    two = Service(docroot_config(tmp_path, store_url, tmp_path / "two", name="two.toml"))
    assert two.outputs.docroot is not None
    two.outputs.docroot.sync()  # it stored nothing itself: it mirrors what the first one stored
    paths = [*(d.path for d in stored_documents(one)), *PAGES]
    ports = free_port(), free_port()
    conf_one = nginx_config(tmp_path, 1, ports[0])
    conf_two = conf_one.replace(str(tmp_path / "one"), str(tmp_path / "two")).replace(
        f"listen 127.0.0.1:{ports[0]}", f"listen 127.0.0.1:{ports[1]}"
    )
    with (
        running_nginx(tmp_path / "nginx-one", conf_one, ports[0]),
        running_nginx(tmp_path / "nginx-two", conf_two, ports[1]),
    ):
        for path in paths:
            for accept in CODINGS.values():
                asked = {"Accept-Encoding": accept} if accept else None
                a, b = fetch(ports[0], path, asked), fetch(ports[1], path, asked)
                assert a.status == b.status == 200, path
                assert (a.headers["etag"], a.headers["last-modified"]) == (
                    b.headers["etag"],
                    b.headers["last-modified"],
                ), (path, accept)
                assert a.body == b.body
    one.store.dispose()
    two.store.dispose()
