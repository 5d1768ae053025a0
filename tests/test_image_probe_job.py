"""The probe job: an item held as image-size-pending is released once its image's size is
probed; each image is probed once, the result kept in the archive (both engines)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from http_support import ingest, spec, stored, write_config
from image_bytes import jpeg, png
from pytest_httpserver import HTTPServer

from feeds.archive import image_sizes
from feeds.archive.engine import Store
from feeds.build import partnerfeeds
from scheduler.jobs.imageprobe import ImageProbeJob
from scheduler.service import Service
from sources.model.spec import FetchSettings

NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
FETCH = FetchSettings(deadline_seconds=5.0, host_gap_seconds=0.0)
PARTNER = """
[[partners]]
id = "flip"
profile = "flipboard"
feeds = ["latest"]
"""


def _record(n: int, image: dict[str, object]) -> dict[str, object]:
    return {
        "id": f"p{n}",
        "url": f"https://news.test/story/{n}",
        "title": f"A story long enough for every partner, number {n}",
        "summary": "What happened, in brief.",
        "content_html": f"<p>The whole story {n}.</p>",
        "published": (NOW - timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "image": image,
    }


def _held(service: Service) -> dict[str, str]:
    (verdict,) = partnerfeeds.check_all(service.store, service.site, service.cfg.partners, NOW)
    return {h.url: h.rule for h in verdict.held}


def test_a_probed_size_releases_the_held_item(
    tmp_path: Path, store: Store, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/big.png").respond_with_data(
        png(1200, 800), content_type="image/png"
    )
    httpserver.expect_request("/small.jpg").respond_with_data(
        jpeg(300, 200), content_type="image/jpeg"
    )
    httpserver.expect_request("/page").respond_with_data("<html></html>", content_type="text/html")
    service = Service(write_config(tmp_path, extra=PARTNER), store=store)
    records = [
        _record(1, {"url": httpserver.url_for("/big.png")}),
        _record(2, {"url": httpserver.url_for("/small.jpg")}),
        _record(3, {"url": httpserver.url_for("/page")}),
        _record(4, {"url": "https://news.test/sized.jpg", "width": 1200, "height": 800}),
    ]
    ingest(service, records, at=NOW, source=spec())
    partnerfeeds.refresh(service.store, service.site, service.cfg.partners, NOW)
    story = "https://news.test/story/{}".format
    assert _held(service) == {story(n): "image-size-pending" for n in (1, 2, 3)}
    rss = stored(service, "/partners/flip/latest.rss").body
    assert story(1).encode() not in rss

    job = ImageProbeJob(service.store, service.site, service.cfg.partners, FETCH)
    changed = job.run(NOW)

    assert "/partners/flip/latest.rss" in changed
    assert _held(service) == {story(2): "image-too-small", story(3): "image-size-pending"}
    rss = stored(service, "/partners/flip/latest.rss").body
    assert story(1).encode() in rss and b'width="1200"' in rss
    with service.store.read() as conn:
        kept = image_sizes.probed(conn, [httpserver.url_for(p) for p in ("/big.png", "/page")])
    assert kept == {httpserver.url_for("/big.png"): (1200, 800), httpserver.url_for("/page"): None}

    asked = len(httpserver.log)
    assert job.run(NOW + timedelta(minutes=1)) == []  # every image was probed once
    assert len(httpserver.log) == asked
    job.run(NOW + timedelta(days=1, minutes=1))  # a failure is tried again a day later
    assert [r.path for r, _ in httpserver.log[asked:]] == ["/robots.txt", "/page"]


def test_public_feeds_are_not_changed_by_a_probe(
    tmp_path: Path, store: Store, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/big.png").respond_with_data(
        png(1200, 800), content_type="image/png"
    )
    service = Service(write_config(tmp_path, extra=PARTNER), store=store)
    ingest(service, [_record(1, {"url": httpserver.url_for("/big.png")})], at=NOW, source=spec())
    service.rebuild()
    before = stored(service, "/feeds/latest.rss").body
    ImageProbeJob(service.store, service.site, service.cfg.partners, FETCH).run(NOW)
    service.rebuild()
    assert stored(service, "/feeds/latest.rss").body == before


def test_an_image_robots_txt_disallows_is_not_fetched(
    tmp_path: Path, store: Store, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n")
    service = Service(write_config(tmp_path, extra=PARTNER), store=store)
    ingest(service, [_record(1, {"url": httpserver.url_for("/big.png")})], at=NOW, source=spec())
    ImageProbeJob(service.store, service.site, service.cfg.partners, FETCH).run(NOW)
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt"]
    assert _held(service) == {"https://news.test/story/1": "image-size-pending"}
