"""Branding every partner asks for: site logo, icon and copyright, and each section's home page,
in the public feeds of every format."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from feeds.site import meta_for
from scheduler.config import load
from scheduler.errors import ConfigError
from scheduler.service import Service
from tests.http_support import ingest, record, spec, stored

CONFIG = """
[site]
title = "Ledger"
base_url = "https://feeds.example"
logo_url = "https://www.example/logo.png"
icon_url = "https://www.example/icon.png"
copyright = "© 2026 Ledger Media"

[store]
url = "sqlite:///{db}"

[[sections]]
slug = "world"
title = "World"
link = "https://www.example/world/"

[[sections]]
slug = "business"
"""


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(db=tmp_path / "a.db"), encoding="utf-8")
    return path


def test_branding_reaches_every_format(tmp_path: Path) -> None:
    service = Service(load(_config(tmp_path)))
    service.start_feeds()
    ingest(service, [record(1)], at=service_now(), source=spec())
    service.rebuild()
    rss = feedparser.parse(stored(service, "/feeds/section/world.rss").body)
    assert rss.bozo == 0 and rss.feed.link == "https://www.example/world/"
    assert rss.feed.rights == "© 2026 Ledger Media"
    assert rss.feed.image.href == "https://www.example/logo.png"
    atom = feedparser.parse(stored(service, "/feeds/section/world.atom").body)
    assert atom.bozo == 0 and atom.feed.link == "https://www.example/world/"
    assert atom.feed.logo == "https://www.example/logo.png"
    assert atom.feed.icon == "https://www.example/icon.png"
    assert atom.feed.rights == "© 2026 Ledger Media"
    feed = json.loads(stored(service, "/feeds/section/world.json").body)
    assert feed["home_page_url"] == "https://www.example/world/"
    assert feed["icon"] == feed["favicon"] == "https://www.example/icon.png"
    # a section without a link, and latest, link to the site's home
    assert meta_for(service.site, "section/business").home is None
    latest = feedparser.parse(stored(service, "/feeds/latest.rss").body)
    assert latest.feed.link == "https://feeds.example/"
    service.store.dispose()


def service_now() -> datetime:
    """The time the sample record is taken in at."""
    return datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('logo_url = "https://www.example/logo.png"', 'logo_url = "logo.png"', "site.logo_url"),
        ('link = "https://www.example/world/"', 'link = "/world"', "sections.world.link"),
    ],
)
def test_branding_urls_must_be_absolute(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = _config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load(path)
    assert message in str(err.value)
