"""Structure of EVERY document the bundled samples produce: ids, dates, URLs, self links, size."""

from __future__ import annotations

import email.utils
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from lxml import etree

from feeds.archive import documents as docs
from feeds.archive import open_store
from feeds.build import publish
from scheduler import jobs
from scheduler.config import load
from scheduler.service import seed_sources
from tests.service_support import sample_config

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
BASE = "http://127.0.0.1:8089"
NS = {"a": "http://www.w3.org/2005/Atom", "content": "http://purl.org/rss/1.0/modules/content/"}
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$"
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_BYTES = 1_000_000


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[docs.Document]:
    """Ingest every bundled sample with a fixed clock; small pages so archives exist."""
    tmp = tmp_path_factory.mktemp("structure")
    config = sample_config(tmp, 8089)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("items = 50", "items = 5\narchive_page_items = 4"), "utf-8")
    cfg = load(config)
    seed_sources(cfg)
    store = open_store(cfg.store_url)
    settings = jobs.PollSettings(fetch=cfg.fetch, rules=cfg.intake, owner="t", work_dir=str(tmp))
    for spec in cfg.sources:
        assert jobs.poll(store, spec, settings, lambda: NOW, force=True).outcome == "ok"
    publish.rebuild_dirty(store, cfg.site, owner="t", now=lambda: NOW)
    with store.read() as conn:
        found = [docs.get(conn, path) for path, *_ in docs.listing(conn)]
    store.dispose()
    return [d for d in found if d is not None]


def test_samples_produce_current_feeds_and_archive_pages(documents: list[docs.Document]) -> None:
    paths = {d.path for d in documents}
    assert {"/feeds/latest.rss", "/feeds/latest.atom", "/feeds/latest.json"} <= paths
    assert any("/archive/" in p for p in paths)
    assert len(paths) > 60


def is_absolute(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def html_urls(fragment: str) -> list[str]:
    """Every href, src and srcset URL inside an HTML fragment."""
    if not fragment.strip():
        return []
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    urls = [*root.xpath("//@href"), *root.xpath("//@src")]
    for srcset in root.xpath("//@srcset"):
        urls += [c.strip().split()[0] for c in srcset.split(",") if c.strip()]
    return [str(u) for u in urls]


def check_xml(doc: docs.Document) -> tuple[list[str], list[str], list[str]]:
    """(ids, dates, urls) of an RSS or Atom document, and its self link checked."""
    tree = etree.fromstring(doc.body)
    (self_link,) = tree.xpath("//a:link[@rel='self']/@href", namespaces=NS)
    assert self_link == BASE + doc.path
    urls = [str(u) for u in tree.xpath("//@href | //@url")]
    if doc.path.endswith(".rss"):
        ids = tree.xpath("//item/guid/text()")
        dates = tree.xpath("//pubDate/text() | //lastBuildDate/text()")
        urls += tree.xpath("//item/link/text() | /rss/channel/link/text()")
        html = tree.xpath("//item/description/text() | //content:encoded/text()", namespaces=NS)
        assert all(RFC822.match(d) and email.utils.parsedate_to_datetime(d) for d in dates)
    else:
        ids = tree.xpath("//a:entry/a:id/text()", namespaces=NS)
        dates = tree.xpath("//a:updated/text() | //a:published/text()", namespaces=NS)
        html = tree.xpath("//a:content[@type='html']/text()", namespaces=NS)
        assert all(RFC3339.match(d) for d in dates), dates
    assert len(tree.xpath("//item | //a:entry", namespaces=NS)) == len(ids) == doc.item_count
    return ids, dates, urls + [u for h in html for u in html_urls(h)]


def check_json(doc: docs.Document) -> tuple[list[str], list[str], list[str]]:
    """(ids, dates, urls) of a JSON Feed document, and its feed_url checked."""
    feed = json.loads(doc.body)
    assert feed["feed_url"] == BASE + doc.path
    items = feed["items"]
    ids = [i["id"] for i in items]
    dates = [i[k] for i in items for k in ("date_published", "date_modified") if k in i]
    assert all(RFC3339.match(d) for d in dates), dates
    urls = [feed[k] for k in ("home_page_url", "feed_url", "next_url") if k in feed]
    urls += [i[k] for i in items for k in ("url", "image") if k in i]
    urls += [u for i in items for u in html_urls(i.get("content_html", ""))]
    assert len(items) == doc.item_count
    return ids, dates, urls


def test_every_document_is_well_formed(documents: list[docs.Document]) -> None:
    for doc in documents:
        assert len(doc.body) <= MAX_BYTES, doc.path
        assert not CONTROL.search(doc.body.decode("utf-8")), doc.path
        ids, dates, urls = check_json(doc) if doc.path.endswith(".json") else check_xml(doc)
        assert len(ids) == len(set(ids)), f"{doc.path}: duplicate ids"
        assert all(i.startswith("tag:") for i in ids), doc.path
        bad = [u for u in urls if not is_absolute(u)]
        assert not bad, f"{doc.path}: relative URLs {bad}"
        assert urls and (dates or doc.item_count == 0), doc.path


def test_content_urls_are_checked(documents: list[docs.Document]) -> None:
    """The samples do carry content with links and images, so the URL check has teeth."""
    items = [i for d in documents if d.path.endswith(".json") for i in json.loads(d.body)["items"]]
    inner = [u for i in items for u in html_urls(i.get("content_html", ""))]
    assert len(inner) > 5


def test_sample_config_is_untouched() -> None:
    assert "items = 50" in (Path(__file__).resolve().parent.parent / "config.toml").read_text()
