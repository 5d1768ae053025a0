"""The index and the feed previews in a real headless browser: every feed linked and
discoverable; at 390 and 1280 px nothing wider than the screen, every link resolving, every
image labelled, a screenshot of each page in the test's folder; axe-core finds nothing serious.

Needs Debian's Chromium (`apt-get install -y chromium`) and, for the accessibility check,
axe-core in .ci/node (`.ci/run` installs both); each test says why it is skipped without.
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

from tests.cdp_support import browser
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


# What a person sees: measured in the page, at a phone's width and a laptop's
LOOK = """(() => {
  const d = document.documentElement;
  const wide = [...document.body.querySelectorAll("*")]
    .filter(e => e.getBoundingClientRect().right > d.clientWidth + 1)
    .map(e => e.tagName + (e.id ? "#" + e.id : "") + " " + (e.textContent || "").slice(0, 40));
  return {
    overflow: d.scrollWidth - d.clientWidth, wide: wide.slice(0, 5),
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
    images: document.images.length,
    unlabelled: [...document.images].filter(i => !(i.getAttribute("alt") || "").trim())
      .map(i => i.src),
  };
})()"""
WIDTHS = (390, 1280)
AXE = Path(__file__).resolve().parent.parent / ".ci" / "node" / "node_modules" / "axe-core"


def pages_to_look_at(base: str) -> list[str]:
    """The index, one preview per feed kind (latest, section, country, section x country), and
    /status (private, but the browser runs on loopback)."""
    opml = etree.fromstring(requests.get(base + "/feeds.opml", timeout=5).content)
    stems = [str(u).removesuffix(".atom") for u in opml.xpath("//outline/@xmlUrl")]
    kinds = [r"/feeds/latest$", r"/feeds/section/[^/]+$", r"/feeds/country/", r"/section/.+/"]
    picked = [next(s for s in stems if re.search(k, s)) for k in kinds]
    return [base + "/", *(s + ".html" for s in picked), base + "/status"]


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_fit_link_and_label_at_each_width(site: tuple[str, Path], width: int) -> None:
    base, tmp = site
    resolved: dict[str, int] = {}
    with browser(tmp / f"profile-look-{width}") as tab:
        for n, url in enumerate(pages_to_look_at(base)):
            tab.load(url, width)
            seen = tab.evaluate(LOOK)
            assert seen["overflow"] <= 0, (
                f"{url} at {width} px: {seen['overflow']} px too wide, {seen['wide']}"
            )
            assert not seen["unlabelled"], f"{url}: images without alt text {seen['unlabelled']}"
            for link in seen["links"]:
                assert link.startswith(("http://", "https://")), f"{url}: odd link {link}"
                if link.startswith(base) and link not in resolved:
                    resolved[link] = requests.get(link, timeout=10).status_code
            shot = tab.screenshot(tmp / f"page-{n}-{width}.png")
            assert struct.unpack(">II", shot[16:24]) == (width, 900)
            assert len(shot) > 10_000, f"{url}: a blank page"
    assert resolved and all(code == 200 for code in resolved.values()), resolved
    assert any(link.endswith(".html") for link in resolved)  # the previews were followed


@pytest.mark.skipif(not AXE.is_dir(), reason="no axe-core (.ci/run: npm install axe-core)")
def test_no_serious_accessibility_issue(site: tuple[str, Path]) -> None:
    base, tmp = site
    axe = (AXE / "axe.min.js").read_text(encoding="utf-8")
    with browser(tmp / "profile-axe") as tab:
        for url in pages_to_look_at(base):
            for width in WIDTHS:
                tab.load(url, width)
                tab.evaluate(axe)
                found = tab.evaluate(
                    "axe.run().then(r => r.violations.filter(v => "
                    "['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + "
                    "v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')))"
                )
                assert found == [], f"{url} at {width} px: {found}"
