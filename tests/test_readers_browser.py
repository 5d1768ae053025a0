"""/status/readers in headless Chromium at 390 and 1280 px: charts render, nothing overflows.

Uses the browser harness of test_browser.py (Debian's Chromium); skipped without it.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from http_support import fetch, serving
from lxml import html
from readers_support import run_schedule
from test_browser import CHROMIUM, chromium
from test_readers_e2e import start

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install -y chromium)"
)
# the page's own bytes, plus a probe that writes the layout's widths into the DOM
PROBE = (
    "<script>{const d=document.documentElement;"
    "d.setAttribute('data-scroll',d.scrollWidth);d.setAttribute('data-inner',innerWidth);"
    "d.setAttribute('data-charts',[...document.querySelectorAll('svg.chart')]"
    ".filter(s=>s.getBoundingClientRect().width>0).length)}</script>"
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The readers page after the scripted pollers, saved whole (it links nothing)."""
    tmp = tmp_path_factory.mktemp("readers-browser")
    service, clock = start(tmp)
    app = service.make_app(clock)
    with serving(app) as port:
        run_schedule(service, [app], [port], clock)
        body = fetch(port, "/status/readers").body.decode()
    saved = tmp / "readers.html"
    saved.write_text(body.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    return saved


@pytest.mark.parametrize("width", [390, 1280])
def test_readers_page_renders_charts_without_horizontal_overflow(page: Path, width: int) -> None:
    tmp = page.parent
    size = f"--window-size={width},900"
    dom = chromium(tmp / f"dom-{width}", "--dump-dom", size, page.as_uri()).stdout
    root = html.fromstring(dom)
    assert int(root.get("data-scroll")) <= int(root.get("data-inner")), dom[:300]
    assert int(root.get("data-charts")) == 2  # one feed: requests and pickup charts
    assert root.xpath("//svg//polyline") and root.xpath("//svg//circle")
    shot = tmp / f"readers-{width}.png"
    chromium(tmp / f"shot-{width}", f"--screenshot={shot}", size, page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (width, 900)
    assert len(data) > 5_000  # a blank page compresses to a few hundred bytes
