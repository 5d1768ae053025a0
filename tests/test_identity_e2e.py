"""Invariant 1 end to end: upstream feeds served over HTTP, polled, rebuilt, read back.

Each test polls real feed files (tests/fixtures/identity/) from a local server with a fixed
clock, rebuilds the dirty feeds and reads the stored documents in all three formats.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import pytest
import sqlalchemy as sa
from lxml import etree
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from feeds.archive import documents as docs
from feeds.archive.engine import Store
from feeds.archive.tables import articles
from feeds.build import publish
from feeds.catalog import ComboRule
from feeds.intake import IntakeRules
from feeds.site import Site
from scheduler import jobs
from sources.model.spec import FetchSettings, NormalizeSettings, SourceSpec

FIXTURES = Path(__file__).parent / "fixtures" / "identity"
ATOM = "{http://www.w3.org/2005/Atom}"
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # after every date in the v2 files
SITE = Site(title="Daily Ledger", base_url="http://127.0.0.1:8080", authority="news.example.com")
RULES = IntakeRules(
    normalize=NormalizeSettings(
        authority="news.example.com",
        section_aliases=MappingProxyType({"world": ("World",), "business": ("Markets",)}),
    ),
    combos=ComboRule("with-articles"),
)
SETTINGS = jobs.PollSettings(
    fetch=FetchSettings(timeout_seconds=5, deadline_seconds=5, host_gap_seconds=0),
    rules=RULES,
    owner="identity-test",
)

Snapshot = dict[str, tuple[bytes, str, datetime, int]]


class Pipeline:
    """Upstream files on a local server, polled into an archive and rebuilt."""

    def __init__(self, store: Store, server: HTTPServer) -> None:
        self.store, self.server = store, server
        self.bodies: dict[str, bytes] = {}
        for name in ("wire", "slug", "a", "b"):
            server.expect_request(f"/{name}.rss").respond_with_handler(self._answer)

    def _answer(self, request: Request) -> Response:
        return Response(self.bodies[request.path], content_type="application/rss+xml")

    def serve(self, path: str, fixture: str) -> None:
        """Serve a fixture file's bytes at a path from now on."""
        self.bodies[path] = (FIXTURES / fixture).read_bytes()

    def spec(self, path: str, source_id: str, **options: object) -> SourceSpec:
        """A feed source reading this path from the local server."""
        base = SourceSpec(
            id=source_id,
            kind="feed",
            url=f"http://127.0.0.1:{self.server.port}{path}",
            interval_seconds=300,
            section="world",
        )
        return dataclasses.replace(base, **options)  # type: ignore[arg-type]

    def poll(self, spec: SourceSpec, when: datetime) -> jobs.PollOutcome:
        """Poll once at a fixed time and rebuild what it dirtied."""
        outcome = jobs.poll(self.store, spec, SETTINGS, lambda: when, force=True)
        assert outcome.outcome == "ok", outcome
        publish.rebuild_dirty(self.store, SITE, owner="identity-test", now=lambda: when)
        return outcome

    def documents(self) -> dict[str, docs.Document]:
        """Every stored document, read back from the archive."""
        with self.store.read() as conn:
            paths = [path for path, *_ in docs.listing(conn)]
            found = {p: docs.get(conn, p) for p in paths}
        return {p: d for p, d in found.items() if d is not None}

    def snapshot(self) -> Snapshot:
        """(body, etag, changed_at, generation) of every stored document."""
        return {
            p: (d.body, d.etag, d.changed_at, d.generation) for p, d in self.documents().items()
        }


def guids(doc: docs.Document) -> list[str]:
    """The item identifiers of a stored document, in its own format's element."""
    if doc.path.endswith(".json"):
        return [item["id"] for item in json.loads(doc.body)["items"]]
    root = etree.fromstring(doc.body)
    if doc.path.endswith(".atom"):
        return [e.findtext(f"{ATOM}id") or "" for e in root.iter(f"{ATOM}entry")]
    return [i.findtext("guid") or "" for i in root.iter("item")]


def json_items(pipe: Pipeline, feed: str = "latest") -> list[dict[str, str]]:
    """The items of a feed's JSON document."""
    items: list[dict[str, str]] = json.loads(pipe.documents()[f"/feeds/{feed}.json"].body)["items"]
    return items


def item_titled(pipe: Pipeline, title: str) -> dict[str, str]:
    """The one latest.json item with this title."""
    found = [i for i in json_items(pipe) if i["title"] == title]
    assert len(found) == 1, [i["title"] for i in json_items(pipe)]
    return found[0]


def where_found(pipe: Pipeline, guid: str) -> dict[str, int]:
    """path -> how many times the guid occurs among that document's items."""
    return {p: n for p, d in pipe.documents().items() if (n := Counter(guids(d))[guid])}


def article_count(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(articles)).scalar() or 0)


@pytest.fixture
def pipe(store: Store, httpserver: HTTPServer) -> Pipeline:
    return Pipeline(store, httpserver)


@pytest.mark.parametrize(
    ("before", "after", "url_after"),
    [
        pytest.param(
            "Storm reaches the coast",
            "Storm reaches the coast; thousands evacuated",
            "https://wire.example.com/2026/03/11/storm-thousands-evacuated",
            id="upstream-guid",
        ),
        pytest.param(
            "Harbour reopens after repairs",
            "Harbour reopens after two weeks of repairs",
            "https://wire.example.com/stories/harbour?id=77",
            id="no-guid-scheme-and-tracking",
        ),
    ],
)
def test_edited_article_keeps_its_guid_in_every_feed_and_format(
    pipe: Pipeline, before: str, after: str, url_after: str
) -> None:
    wire = pipe.spec("/wire.rss", "wire")
    pipe.serve("/wire.rss", "wire-v1.rss")
    pipe.poll(wire, T0)
    guid = item_titled(pipe, before)["id"]
    placed = where_found(pipe, guid)
    assert {"/feeds/latest.rss", "/feeds/latest.atom", "/feeds/section/world.json"} <= set(placed)

    pipe.serve("/wire.rss", "wire-v2.rss")
    outcome = pipe.poll(wire, T1)

    assert (outcome.new, outcome.edited) == (0, 2)
    edited = item_titled(pipe, after)
    assert edited["id"] == guid
    assert edited["url"] == url_after
    found = where_found(pipe, guid)
    assert found == dict.fromkeys(placed, 1)  # same feeds, every format, once each
    assert article_count(pipe.store) == 2


def test_slug_change_under_id_pattern_keeps_the_guid(pipe: Pipeline) -> None:
    chronicle = pipe.spec("/slug.rss", "chronicle", id_pattern=r"/article/(\d+)-")
    pipe.serve("/slug.rss", "slug-v1.rss")
    pipe.poll(chronicle, T0)
    guid = item_titled(pipe, "Council approves budget")["id"]
    placed = where_found(pipe, guid)

    pipe.serve("/slug.rss", "slug-v2.rss")
    outcome = pipe.poll(chronicle, T1)

    assert (outcome.new, outcome.edited) == (0, 1)
    edited = item_titled(pipe, "Council approves budget after late-night vote")
    assert edited["id"] == guid
    assert edited["url"].endswith("/article/4711-council-budget-late-night-vote")
    assert where_found(pipe, guid) == dict.fromkeys(placed, 1)
    assert len(json_items(pipe)) == 1


def test_slug_change_without_id_pattern_is_a_new_article(pipe: Pipeline) -> None:
    # The control for the test above: it is the id_pattern that ties the two slugs together.
    chronicle = pipe.spec("/slug.rss", "chronicle")
    pipe.serve("/slug.rss", "slug-v1.rss")
    pipe.poll(chronicle, T0)
    pipe.serve("/slug.rss", "slug-v2.rss")
    outcome = pipe.poll(chronicle, T1)
    assert outcome.new == 1
    assert len({i["id"] for i in json_items(pipe)}) == 2


@pytest.mark.parametrize("authoritative", [False, True], ids=["second-ignored", "authoritative"])
def test_same_story_from_two_sources_appears_once(pipe: Pipeline, authoritative: bool) -> None:
    agency_a = pipe.spec("/a.rss", "agency-a")
    agency_b = pipe.spec("/b.rss", "agency-b", authoritative=authoritative)
    pipe.serve("/a.rss", "shared-a.rss")
    pipe.serve("/b.rss", "shared-b.rss")
    pipe.poll(agency_a, T0)
    first = item_titled(pipe, "Central bank holds rates")
    placed = where_found(pipe, first["id"])
    before = pipe.snapshot()

    outcome = pipe.poll(agency_b, T0 + timedelta(minutes=30))

    (item,) = json_items(pipe)
    assert item["id"] == first["id"]
    assert where_found(pipe, first["id"]) == dict.fromkeys(placed, 1)
    assert article_count(pipe.store) == 1
    if authoritative:
        assert (outcome.new, outcome.edited) == (0, 1)
        assert item["title"] == "Central bank keeps rates on hold, signals cut later this year"
        assert item["date_modified"] > first["date_modified"]
        assert item["date_published"] == first["date_published"]
    else:
        assert (outcome.new, outcome.edited, outcome.unchanged) == (0, 0, 1)
        assert item == first
        assert pipe.snapshot() == before


def test_repoll_of_same_content_changes_nothing(pipe: Pipeline) -> None:
    wire = pipe.spec("/wire.rss", "wire")
    pipe.serve("/wire.rss", "wire-v1.rss")
    pipe.poll(wire, T0)
    before = pipe.snapshot()
    with pipe.store.read() as conn:
        rows = conn.execute(sa.select(articles).order_by(articles.c.id)).all()

    outcome = jobs.poll(pipe.store, wire, SETTINGS, lambda: T1, force=True)
    report = publish.rebuild_dirty(pipe.store, SITE, owner="identity-test", now=lambda: T1)

    assert (outcome.outcome, outcome.new, outcome.edited, outcome.unchanged) == ("ok", 0, 0, 2)
    assert report.feeds == 0 and report.changed == []
    assert pipe.snapshot() == before  # no byte, ETag, change time or generation moved
    with pipe.store.read() as conn:
        assert conn.execute(sa.select(articles).order_by(articles.c.id)).all() == rows


def test_real_edit_keeps_guid_and_published_and_bumps_updated(pipe: Pipeline) -> None:
    wire = pipe.spec("/wire.rss", "wire")
    pipe.serve("/wire.rss", "wire-v1.rss")
    pipe.poll(wire, T0)
    first = item_titled(pipe, "Harbour reopens after repairs")
    atom_before = pipe.documents()["/feeds/latest.atom"]

    pipe.serve("/wire.rss", "wire-v2.rss")
    pipe.poll(wire, T1)

    edited = item_titled(pipe, "Harbour reopens after two weeks of repairs")
    assert edited["id"] == first["id"]
    assert edited["date_published"] == first["date_published"]
    assert edited["date_modified"] == "2026-03-11T12:00:00Z"  # no upstream date moved: now
    atom_after = pipe.documents()["/feeds/latest.atom"]
    assert atom_after.etag != atom_before.etag
    assert atom_after.changed_at == T1
    entry_updated = {
        e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}updated")
        for e in etree.fromstring(atom_after.body).iter(f"{ATOM}entry")
    }
    assert entry_updated[first["id"]] == "2026-03-11T12:00:00Z"
