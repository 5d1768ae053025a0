"""Image sizes read from the first bytes of each format, and from a real server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from image_bytes import gif, jpeg, png, webp_extended, webp_lossless, webp_lossy
from pytest_httpserver import HTTPServer

from sources.model.spec import FetchSettings
from sources.net.imagesize import size_of
from sources.net.probe import HEAD_BYTES, NotAnImageError, probe

SETTINGS = FetchSettings(deadline_seconds=5.0, host_gap_seconds=0.0, user_agent="probe-test/1")
FORMATS: dict[str, tuple[Callable[[int, int], bytes], str]] = {
    "png": (png, "image/png"),
    "gif": (gif, "image/gif"),
    "jpeg": (jpeg, "image/jpeg"),
    "jpeg-progressive": (lambda w, h: jpeg(w, h, progressive=True), "image/jpeg"),
    "jpeg-big-exif": (lambda w, h: jpeg(w, h, exif=60_000), "image/jpeg"),
    "webp-lossy": (webp_lossy, "image/webp"),
    "webp-lossless": (webp_lossless, "image/webp"),
    "webp-extended": (webp_extended, "image/webp"),
}


@pytest.mark.parametrize("name", FORMATS)
def test_each_format_gives_its_size_from_its_header(name: str) -> None:
    make, _ = FORMATS[name]
    assert size_of(make(1200, 675)) == (1200, 675)
    assert size_of(make(1, 16383)) == (1, 16383)


@pytest.mark.parametrize("name", FORMATS)
def test_a_header_cut_short_gives_no_size_yet(name: str) -> None:
    make, _ = FORMATS[name]
    whole = make(640, 480)
    assert size_of(whole[: len(whole) // 2 if name != "jpeg-big-exif" else 1000]) is None


def test_bytes_that_are_no_image_give_no_size() -> None:
    assert size_of(b"<!doctype html><html><body>not found</body></html>") is None
    assert size_of(b"") is None


@pytest.mark.parametrize("name", FORMATS)
def test_probe_reads_the_size_over_http(httpserver: HTTPServer, name: str) -> None:
    make, content_type = FORMATS[name]
    httpserver.expect_request("/img").respond_with_data(make(800, 450), content_type=content_type)
    assert probe(httpserver.url_for("/img"), SETTINGS) == (800, 450)
    (request, _), *_ = httpserver.log
    assert request.headers["User-Agent"] == "probe-test/1"
    assert request.headers["Range"] == f"bytes=0-{HEAD_BYTES - 1}"


def test_probe_follows_a_redirect_to_the_image(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for("/new")}
    )
    httpserver.expect_request("/new").respond_with_data(png(10, 20), content_type="image/png")
    assert probe(httpserver.url_for("/old"), SETTINGS) == (10, 20)


def test_a_missing_image_is_a_clear_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    with pytest.raises(Exception, match="HTTP 404"):
        probe(httpserver.url_for("/gone"), SETTINGS)


def test_a_response_that_is_not_an_image_is_refused(httpserver: HTTPServer) -> None:
    page = b"<!doctype html><title>Sorry</title>" + b"x" * 50_000
    httpserver.expect_request("/img").respond_with_data(page, content_type="text/html")
    with pytest.raises(NotAnImageError, match=r"not a PNG, GIF, JPEG or WebP .*text/html"):
        probe(httpserver.url_for("/img"), SETTINGS)
