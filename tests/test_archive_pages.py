"""RFC 5005 archive pages, withdrawals and embargoes, on the real archive (both engines)."""

from __future__ import annotations

import dataclasses
import gzip
import json
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import brotli
from lxml import etree

from feeds import intake
from feeds.archive import documents as docs
from feeds.archive.engine import Store
from feeds.build import publish
from feeds.catalog import ComboRule
from feeds.site import Site
from scheduler import jobs
from sources.model.raw import RawItem
from sources.model.spec import NormalizeSettings, SourceSpec

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
BASE = "https://news.example.com"
SITE = Site(title="Ledger", base_url=BASE, authority="news.example.com", items=3,
            archive_page_items=4)  # fmt: skip
SOURCE = SourceSpec(id="wire", kind="feed", url="https://wire.example.com/rss",
                    interval_seconds=300, section="world", countries=("IN",))  # fmt: skip
RULES = intake.IntakeRules(
    normalize=NormalizeSettings(
        authority="news.example.com", section_aliases=MappingProxyType({"world": ()})
    ),
    combos=ComboRule("with-articles"),
)
NS = {"a": "http://www.w3.org/2005/Atom", "at": "http://purl.org/atompub/tombstones/1.0"}


def raw(n: int, **fields: object) -> RawItem:
    """Story n, published n minutes after 08:00 on the test day."""
    base = RawItem(
        source_id="wire",
        upstream_id=f"story-{n}",
        url=f"https://wire.example.com/story-{n}",
        title=f"Story {n}",
        summary=f"What happened in story {n}.",
        published=(NOW - timedelta(hours=4) + timedelta(minutes=n)).isoformat(),
        section="world",
    )
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def ingest(store: Store, items: list[RawItem], now: datetime = NOW) -> None:
    intake.take(store, SOURCE, items, RULES, now=now)


def rebuild(store: Store, now: datetime = NOW) -> set[str]:
    return set(publish.rebuild_dirty(store, SITE, owner="test", now=lambda: now).changed)


def body(store: Store, path: str) -> bytes:
    with store.read() as conn:
        doc = docs.get(conn, path)
    assert doc is not None, f"{path} was not published"
    return doc.body


def atom_chain(store: Store, feed: str) -> list[tuple[str, list[str]]]:
    """(path, entry ids) of the current Atom document and every page, via prev-archive."""
    path: str | None = f"/feeds/{feed}.atom"
    chain = []
    while path is not None:
        tree = etree.fromstring(body(store, path))
        chain.append((path, tree.xpath("a:entry/a:id/text()", namespaces=NS)))
        prev = tree.xpath("a:link[@rel='prev-archive']/@href", namespaces=NS)
        assert len(prev) <= 1
        path = prev[0].removeprefix(BASE) if prev else None
        assert path is None or path.startswith("/feeds/"), prev
    return chain


def guids(store: Store, numbers: range | list[int]) -> set[str]:
    """The guids intake gave these stories (read back from the latest feed family)."""
    wanted = {f"https://wire.example.com/story-{n}" for n in numbers}
    found: set[str] = set()
    for path, _ in atom_chain(store, "latest"):
        tree = etree.fromstring(body(store, path))
        for entry in tree.xpath("a:entry", namespaces=NS):
            if entry.xpath("a:link[@rel='alternate']/@href", namespaces=NS)[0] in wanted:
                found.add(entry.xpath("a:id/text()", namespaces=NS)[0])
    return found


def test_chain_from_current_to_page_one_holds_every_article_once(store: Store) -> None:
    ingest(store, [raw(n) for n in range(1, 24)])
    rebuild(store)
    for feed in ("latest", "section/world", "country/in"):
        chain = atom_chain(store, feed)
        # 23 arrivals, 3 items, pages of 4: (23 - 3) // 4 = 5 pages, then the current 3..6
        assert [p for p, _ in chain][1:] == [
            f"/feeds/{feed}/archive/{n}.atom" for n in (5, 4, 3, 2, 1)
        ]
        ids = [i for _, entries in chain for i in entries]
        assert len(ids) == len(set(ids)) == 23
        assert all(len(entries) == 4 for _, entries in chain[1:])
    assert guids(store, range(1, 24)) == {i for _, e in atom_chain(store, "latest") for i in e}


def test_pages_link_current_and_neighbours_in_every_format(store: Store) -> None:
    ingest(store, [raw(n) for n in range(1, 12)])
    rebuild(store)
    page = etree.fromstring(body(store, "/feeds/latest/archive/1.atom"))
    links = {ln.get("rel"): ln.get("href") for ln in page.xpath("a:link", namespaces=NS)}
    assert links["self"] == f"{BASE}/feeds/latest/archive/1.atom"
    assert links["current"] == f"{BASE}/feeds/latest.atom"
    assert links["next-archive"] == f"{BASE}/feeds/latest/archive/2.atom"
    assert "prev-archive" not in links
    assert page.xpath("count(//*[local-name()='archive'])") == 1  # fh:archive
    rss = etree.fromstring(body(store, "/feeds/latest/archive/2.rss"))
    rels = {ln.get("rel"): ln.get("href") for ln in rss.xpath("//a:link", namespaces=NS)}
    assert rels["prev-archive"] == f"{BASE}/feeds/latest/archive/1.rss"
    assert "next-archive" not in rels  # page 2 is the newest page: (11 - 3) // 4 = 2
    current = json.loads(body(store, "/feeds/latest.json"))
    assert current["next_url"] == f"{BASE}/feeds/latest/archive/2.json"
    older = json.loads(body(store, "/feeds/latest/archive/2.json"))
    assert older["next_url"] == f"{BASE}/feeds/latest/archive/1.json"
    assert older["feed_url"] == f"{BASE}/feeds/latest/archive/2.json"


def test_combos_have_no_archive_and_carry_the_newest_items(store: Store) -> None:
    ingest(store, [raw(n) for n in range(1, 12)])
    rebuild(store)
    combo = json.loads(body(store, "/feeds/section/world/in.json"))
    assert "next_url" not in combo
    assert [i["title"] for i in combo["items"]] == ["Story 11", "Story 10", "Story 9"]
    with store.read() as conn:
        assert docs.get(conn, "/feeds/section/world/in/archive/1.json") is None


def test_only_stale_pages_are_rendered_again(store: Store) -> None:
    ingest(store, [raw(n) for n in range(1, 12)])
    assert "/feeds/latest/archive/2.atom" in rebuild(store)
    assert rebuild(store) == set()  # nothing dirty, nothing written
    ingest(store, [raw(n) for n in range(12, 16)])  # 15 arrivals: page 3 appears
    changed = {p for p in rebuild(store) if p.startswith("/feeds/latest")}
    assert changed == {
        *(f"/feeds/latest.{f}" for f in ("rss", "atom", "json")),
        *(f"/feeds/latest/archive/3.{f}" for f in ("rss", "atom", "json")),
        # page 2 gains its next-archive link (JSON Feed has none); page 1 is untouched
        "/feeds/latest/archive/2.rss",
        "/feeds/latest/archive/2.atom",
    }


def test_withdrawal_leaves_every_document_and_its_page_is_rebuilt(store: Store) -> None:
    ingest(store, [raw(n) for n in range(1, 16)])
    rebuild(store)
    gone = guids(store, [2])
    ingest(store, [raw(2, status="withdrawn")], now=NOW + timedelta(minutes=5))
    changed = {p for p in rebuild(store, NOW + timedelta(minutes=5)) if "/latest" in p}
    assert "/feeds/latest/archive/1.atom" in changed
    assert not any("/archive/2." in p or "/archive/3." in p for p in changed)
    ids = [i for _, e in atom_chain(store, "latest") for i in e]
    assert len(ids) == len(set(ids)) == 14 and not gone & set(ids)
    # RFC 6721: the current Atom document announces the removal for tombstone_days
    current = etree.fromstring(body(store, "/feeds/latest.atom"))
    assert set(current.xpath("at:deleted-entry/@ref", namespaces=NS)) == gone
    for fmt in ("rss", "json"):
        for path in (f"/feeds/latest.{fmt}", f"/feeds/latest/archive/1.{fmt}"):
            assert b"story-2<" not in body(store, path) and b'story-2"' not in body(store, path)


def test_embargoed_story_appears_when_its_time_comes(store: Store) -> None:
    ingest(store, [raw(n) for n in range(1, 4)])
    at = NOW + timedelta(hours=6)
    ingest(store, [raw(99, title="Results at six", published=at.isoformat())])
    ingest(store, [raw(n) for n in range(4, 16)])  # its arrival page closes meanwhile
    rebuild(store)
    assert b"Results at six" not in body(store, "/feeds/latest.atom")
    assert jobs.release_embargoes(store, at - timedelta(minutes=1)) == 0
    later = at + timedelta(minutes=1)
    assert jobs.release_embargoes(store, later) == 1
    rebuild(store, later)
    for path in ("/feeds/latest.atom", "/feeds/section/world.rss", "/feeds/country/in.json"):
        assert b"Results at six" in body(store, path), path
    ids = [i for _, e in atom_chain(store, "latest") for i in e]
    assert len(ids) == len(set(ids)) == 16


def test_archive_pages_carry_gzip_and_current_documents_brotli_too(store: Store) -> None:
    ingest(store, [raw(n) for n in range(1, 12)])
    rebuild(store)
    with store.read() as conn:
        page = docs.get(conn, "/feeds/latest/archive/1.atom")
        current = docs.get(conn, "/feeds/latest.atom")
    assert page is not None and current is not None
    # pages are fetched rarely: brotli (the costlier compression) only for current ones
    assert page.br is None and gzip.decompress(page.gzip) == page.body
    assert current.br is not None and brotli.decompress(current.br) == current.body
    # the gzip header's XFL byte says which: 4 = fastest (pages), 0 = in between (current)
    assert (page.gzip[8], current.gzip[8]) == (4, 0)
