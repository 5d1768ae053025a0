"""The discovery page in a real headless browser: every feed linked, discoverable, phone-sized.

Needs Debian's Chromium (`apt-get install -y chromium`); skipped with a reason without it.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from lxml import etree, html

from tests.service_support import free_port, running, sample_config, wait_for_articles

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install -y chromium)"
)
SECTIONS = ("world", "india", "business")


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One headless Chromium run with nothing reaching beyond 127.0.0.1."""
    assert CHROMIUM is not None
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", "--force-device-scale-factor=1", f"--user-data-dir={profile}",
    ]  # fmt: skip
    return subprocess.run(
        [CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=60, check=True
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The service on the bundled samples, and a scratch folder for the browser."""
    tmp = tmp_path_factory.mktemp("browser")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running(sample_config(tmp, port), port) as proc:
        for section in SECTIONS:
            wait_for_articles(f"{base}/feeds/section/{section}.atom", proc, timeout=60)
        settle(base + "/feeds.opml")
        yield base, tmp


def settle(url: str, quiet: float = 1.5, timeout: float = 60) -> None:
    """Wait until the first ingest's rebuilds are done: the feed list stops changing."""
    deadline = time.monotonic() + timeout
    last, since = b"", time.monotonic()
    while time.monotonic() < deadline:
        now = requests.get(url, timeout=5).content
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.25)
    raise AssertionError(f"{url} kept changing for {timeout} s")


def test_rendered_index_links_and_announces_every_feed(site: tuple[str, Path]) -> None:
    base, tmp = site
    dom = chromium(tmp / "profile-dom", "--dump-dom", base + "/").stdout
    page = html.fromstring(dom)
    alternates = set(page.xpath("//head/link[@rel='alternate']/@href"))
    subscribe = set(page.xpath("//body//a/@href"))
    announced = {h for h in alternates if h.startswith(base + "/feeds/")}
    feeds = {h for h in subscribe if h.startswith(base + "/feeds/") and not h.endswith(".html")}
    assert announced <= feeds  # <head> names only latest and each section
    assert not any(h.startswith(base + "/feeds/country/") for h in announced)
    for fmt in ("rss", "atom", "json"):
        assert f"{base}/feeds/latest.{fmt}" in announced
        assert all(f"{base}/feeds/section/{s}.{fmt}" in announced for s in SECTIONS)
    assert not any("/archive/" in h for h in feeds)  # pages are reached from the feeds
    assert base + "/feeds.opml" in alternates and base + "/feeds.opml" in subscribe
    assert page.xpath("//meta[@name='viewport']")
    for href in feeds:
        assert requests.get(href, timeout=5).status_code == 200, href
    opml = etree.fromstring(requests.get(base + "/feeds.opml", timeout=5).content)
    listed = {str(u) for u in opml.xpath("//outline/@xmlUrl")}
    assert listed == {h for h in feeds if h.endswith(".atom")}
    counts = page.xpath("//span[@class='meta']/text()")
    assert counts and all(re.match(r"^\d+ items? · updated ", c) for c in counts)


def test_index_screenshot_at_phone_width(site: tuple[str, Path]) -> None:
    base, tmp = site
    shot = tmp / "index.png"
    chromium(tmp / "profile-shot", f"--screenshot={shot}", "--window-size=390,844", base + "/")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    assert (width, height) == (390, 844)
    assert len(data) > 10_000  # a blank page compresses to a few hundred bytes
