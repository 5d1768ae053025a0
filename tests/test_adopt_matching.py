"""Arriving articles meet their adopted legacy items: each format carries the id it served.

On both engines: the old system's items are adopted, the same stories then arrive from a
page source with https, tracking parameters and changed slugs, or with a CMS id the map
file names; the rebuilt documents carry the legacy ids, compared after parsing.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from types import MappingProxyType

from lxml import etree

from feeds import intake
from feeds.adopt.record import FeedReport, Rules, adopt_feed
from feeds.archive import archived
from feeds.archive import documents as docs
from feeds.archive.engine import Store
from feeds.build import publish
from feeds.catalog import ComboRule
from feeds.intake import withheld
from feeds.render.fields import id_of, is_permalink
from feeds.site import Site
from sources.legacy.parse import parse_legacy
from sources.model.legacy import for_partner
from sources.model.raw import RawItem
from sources.model.spec import NormalizeSettings, SourceSpec
from tests.legacy_support import STORIES, atom_id, atom_page, published, rss_guid, rss_page

ATOM = "{http://www.w3.org/2005/Atom}"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
OLD = "http://127.0.0.1:9/feed/"
PATTERN = r"/2026/03/(\d+)/"
SITE = Site(title="Daily Ledger", base_url="http://127.0.0.1:8080", authority="news.example.com")
RULES = intake.IntakeRules(
    normalize=NormalizeSettings(
        authority="news.example.com", section_aliases=MappingProxyType({"world": ()})
    ),
    combos=ComboRule("none"),
)
PAGES = SourceSpec(
    id="site", kind="page", url="https://old.example.com/", interval_seconds=300,
    section="world", id_pattern=PATTERN,
)  # fmt: skip
CMS = SourceSpec(
    id="cms", kind="push", url="", interval_seconds=300, section="world"
)  # fmt: skip


def adopt_old(store: Store, **rules: object) -> None:
    """Adopt both legacy feeds, both pages each, as `newsfeeds adopt` records them."""
    adopting = dataclasses.replace(Rules(id_patterns=(PATTERN,)), **rules)  # type: ignore[arg-type]
    rss = [i for p in (1, 2) for i in parse_legacy(rss_page(p).encode(), OLD).items]
    atom = [i for p in (1, 2) for i in parse_legacy(atom_page(OLD, p).encode(), OLD).items]
    adopt_feed(store, FeedReport(OLD), rss, adopting, now=T0)
    adopt_feed(store, FeedReport(OLD + "atom/"), atom, adopting, now=T0)


def page(n: int, **fields: object) -> RawItem:
    """Story n as the new site's page shows it: https, a new slug, tracking parameters."""
    base = RawItem(
        source_id="site",
        url=f"https://old.example.com/2026/03/{n}/new-slug-{n}/?utm_source=feed&fbclid=x",
        title=f"Story {n}",
        summary=f"New summary {n}.",
        published="2026-03-02T10:00:00Z",  # the new site's clock differs: the legacy date wins
        updated="2026-03-02T11:00:00Z",
    )
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def served(store: Store, now: datetime = T1) -> dict[str, list[tuple[str, str | None]]]:
    """Rebuild, then format -> (id, RSS isPermaLink) of every item of the latest feed."""
    publish.rebuild_dirty(store, SITE, owner="t", now=lambda: now)
    with store.read() as conn:
        got = {f: docs.get(conn, f"/feeds/latest.{f}") for f in ("rss", "atom", "json")}
    out: dict[str, list[tuple[str, str | None]]] = {}
    for fmt, doc in got.items():
        assert doc is not None
        if fmt == "json":
            out[fmt] = [(i["id"], None) for i in json.loads(doc.body)["items"]]
        elif fmt == "atom":
            root = etree.fromstring(doc.body)
            out[fmt] = [(e.findtext(f"{ATOM}id") or "", None) for e in root.iter(f"{ATOM}entry")]
        else:
            guids = etree.fromstring(doc.body).iter("guid")
            out[fmt] = [(g.text or "", g.get("isPermaLink")) for g in guids]
    return out


def test_pages_with_new_slugs_carry_every_legacy_id(store: Store) -> None:
    adopt_old(store)
    result = intake.take(store, PAGES, [page(n) for n in STORIES], RULES, now=T1)
    assert result.new == 10
    ids = served(store)
    newest = sorted(STORIES, reverse=True)
    assert ids["rss"] == [(rss_guid(n), "false") for n in newest]
    assert ids["atom"] == [(atom_id(n), None) for n in newest]
    # the old system had no JSON Feed: the RSS guid, an absolute IRI, stands in
    assert ids["json"] == [(rss_guid(n), None) for n in newest]


def test_adopted_dates_are_kept_and_the_first_ingest_moves_no_updated(store: Store) -> None:
    adopt_old(store)
    intake.take(store, PAGES, [page(101)], RULES, now=T1)
    with store.read() as conn:
        found = archived.find(conn, ["url://old.example.com/2026/03/101/new-slug-101/"])
    assert found is not None
    assert (found.published, found.updated) == (published(101), published(101))


def test_an_article_first_seen_after_adoption_gets_a_tag_guid(store: Store) -> None:
    adopt_old(store)
    intake.take(store, PAGES, [page(555)], RULES, now=T1)
    [(guid, permalink)] = served(store)["rss"]
    assert guid.startswith("tag:news.example.com,2026:article/")
    assert permalink == "false"
    assert served(store)["atom"] == [(guid, None)]


def test_a_cms_id_from_the_map_file_finds_the_legacy_item(store: Store) -> None:
    adopt_old(store, mapping={rss_guid(104): ("cms-104",)})
    pushed = RawItem(
        source_id="cms", upstream_id="cms-104", url="https://www.example.com/a/b",
        title="Story 104", summary="s", published="2026-03-02T10:00:00Z",
    )  # fmt: skip
    intake.take(store, CMS, [pushed], RULES, now=T1)
    ids = served(store)
    assert ids["rss"] == [(rss_guid(104), "false")] and ids["atom"] == [(atom_id(104), None)]


def test_the_same_story_from_two_sources_is_one_article(store: Store) -> None:
    adopt_old(store, mapping={rss_guid(104): ("cms-104",)})
    intake.take(store, PAGES, [page(104)], RULES, now=T1)
    pushed = RawItem(source_id="cms", upstream_id="cms-104", title="Story 104", summary="s")
    result = intake.take(store, CMS, [pushed], RULES, now=T1)
    assert (result.new, result.unchanged) == (0, 1)
    assert served(store)["rss"] == [(rss_guid(104), "false")]


def test_an_id_once_served_never_changes(store: Store) -> None:
    intake.take(store, PAGES, [page(101)], RULES, now=T0)  # published before adoption
    before = served(store, T0)
    adopt_old(store)
    intake.take(store, PAGES, [page(101), page(102)], RULES, now=T1)  # a re-poll, a new one
    after = served(store)
    assert set(after["rss"]) == {before["rss"][0], (rss_guid(102), "false")}
    assert set(after["atom"]) == {before["atom"][0], (atom_id(102), None)}


def test_edits_and_readoption_keep_the_legacy_ids(store: Store) -> None:
    adopt_old(store)
    intake.take(store, PAGES, [page(103)], RULES, now=T1)
    first = served(store)
    edited = intake.take(store, PAGES, [page(103, summary="Corrected.")], RULES, now=T1)
    assert edited.edited == 1
    # the old system re-issues its ids (a plugin change): what readers hold stays
    changed = rss_page(2).replace("?p=103", "?p=9103").replace("0800200c9103", "0800200c9999")
    items = parse_legacy(changed.encode(), OLD).items
    adopt_feed(store, FeedReport(OLD), items, Rules(id_patterns=(PATTERN,)), now=T1)
    intake.take(store, PAGES, [page(103, summary="Corrected again.")], RULES, now=T1)
    assert served(store) == first


def test_a_rerun_reports_matches_conflicts_and_the_redirect_to_paste(store: Store) -> None:
    intake.take(store, PAGES, [page(101)], RULES, now=T0)  # served before adoption
    adopt_old(store)
    intake.take(store, PAGES, [page(n) for n in STORIES], RULES, now=T1)
    rss = [i for p in (1, 2) for i in parse_legacy(rss_page(p).encode(), OLD).items]
    report = adopt_feed(store, FeedReport(OLD), rss, Rules(id_patterns=(PATTERN,)), now=T1)
    assert (report.new, report.known, report.unmatched) == (0, 10, [])
    [conflict] = report.conflicts
    assert conflict.startswith(f"rss {rss_guid(101)}: already served as tag:news.example.com")
    assert report.redirect == ("/feed/", "/feeds/latest.rss")


def test_an_old_story_no_adopted_item_matches_is_withheld_until_released(store: Store) -> None:
    adopt_old(store)
    old = page(777, published="2026-02-01T09:00:00Z", updated=None)  # before the cut-over
    intake.take(store, PAGES, [old, page(101)], RULES, now=T1)
    assert [guid for guid, _ in served(store)["rss"]] == [rss_guid(101)]
    assert [a.title for a in withheld.listed(store)] == ["Story 777"]
    count, feeds = withheld.release(store, RULES, now=T1)
    assert (count, feeds) == (1, {"latest", "section/world"})
    rss = [guid for guid, _ in served(store)["rss"]]
    assert rss[0] == rss_guid(101) and rss[1].startswith("tag:news.example.com,2026:article/")
    assert withheld.listed(store) == []


def test_a_partner_feed_keeps_the_ids_its_old_partner_feed_gave(store: Store) -> None:
    adopt_old(store)
    msn = rss_page(2).replace("https://old.example.com/?p=", "msn-")  # bare ids, not IRIs
    items = parse_legacy(msn.encode(), OLD + "msn/").items
    adopt_feed(
        store, FeedReport(OLD + "msn/"), items, Rules(id_patterns=(PATTERN,), partner="msn"), now=T0
    )
    intake.take(store, PAGES, [page(101)], RULES, now=T1)
    assert served(store)["rss"] == [(rss_guid(101), "false")]  # the public feeds: unchanged
    with store.read() as conn:
        [found] = [archived.find(conn, ["url://old.example.com/2026/03/101/new-slug-101/"])]
        article = archived.get(conn, found.id) if found else None
    assert article is not None
    view = dataclasses.replace(article, extra=for_partner(article.extra, "msn"))
    assert id_of(view, "rss") == "msn-101" and is_permalink(view) is False
    # a bare id is no atom:id: the partner's Atom carries the public Atom feed's legacy id
    assert id_of(view, "atom") == atom_id(101)
    assert for_partner(article.extra, "other") == article.extra
