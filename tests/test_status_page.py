"""/status as a dashboard (issue 22): health in colour and words, human times with the exact
UTC value on hover, freshness and a day of new articles per source, guard, partners, queues.

Before this, /status was a bare table of True/False and microsecond timestamps.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from feeds import intake
from feeds.archive import freshness, pings, source_state
from feeds.archive.engine import Store
from feeds.catalog import ComboRule
from feeds.http.pages import Pages
from feeds.http.status_page import ago
from feeds.site import Site
from sources.model.raw import RawItem
from sources.model.spec import NormalizeSettings, SourceSpec
from sources.model.state import SourceState

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SITE = Site(title="Ledger", base_url="https://news.example.com", authority="news.example.com")
SOURCE = SourceSpec(id="wire", kind="feed", url="https://wire.example.com/rss",
                    interval_seconds=300, section="world")  # fmt: skip
RULES = intake.IntakeRules(
    normalize=NormalizeSettings(
        authority="news.example.com", section_aliases=MappingProxyType({"world": ()})
    ),
    combos=ComboRule("none"),
)
CONFIGURED = [
    ("wire", "feed", "https://wire.example.com/rss"),
    ("down", "feed", "https://down.example.com/rss"),
    ("old", "sitemap", "https://old.example.com/sitemap.xml"),
    ("new", "feed", "https://new.example.com/rss"),
]


def raw(n: int, hours_ago: float) -> RawItem:
    return RawItem(
        source_id="wire", upstream_id=f"s{n}", url=f"https://wire.example.com/s{n}",
        title=f"Story {n}", summary="A summary.", section="world",
        published=(NOW - timedelta(hours=hours_ago)).isoformat(),
    )  # fmt: skip


def stocked(store: Store) -> None:
    """Three stories seen 5 h ago, two 30 min ago; one source ok, one failing, one retired."""
    intake.take(store, SOURCE, [raw(n, 6) for n in range(3)], RULES, now=NOW - timedelta(hours=5))
    intake.take(store, SOURCE, [raw(n, 1) for n in (3, 4)], RULES, now=NOW - timedelta(minutes=30))
    polled = NOW - timedelta(minutes=3)
    ok = SourceState("wire", CONFIGURED[0][2], last_attempt=polled, last_success=polled,
                     next_due=NOW + timedelta(minutes=2))  # fmt: skip
    down = dataclasses.replace(ok, source_id="down", last_success=NOW - timedelta(hours=3),
                               last_error="HTTP 503", consecutive_failures=7)  # fmt: skip
    old = dataclasses.replace(ok, source_id="old", retired=True)
    with store.begin() as conn:
        for state in (ok, down, old):
            source_state.save(conn, state)
        pings.enqueue(
            conn, ("https://hub.example.com/",), ["https://news.example.com/feeds/latest.atom"], NOW
        )


def get(store: Store, path: str) -> httpx.Response:
    pages = Pages(store, SITE, CONFIGURED, b"", clock=lambda: NOW)
    routes = [Route("/status", pages.status_html), Route("/status.json", pages.status_json)]
    app = Starlette(routes=routes)

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://feeds.test") as c:
            return await c.get(path)

    return asyncio.run(go())


def test_times_read_as_people_say_them() -> None:
    assert ago(NOW - timedelta(seconds=20), NOW) == "just now"
    assert ago(NOW - timedelta(minutes=3, seconds=40), NOW) == "3 min ago"
    assert ago(NOW - timedelta(hours=26), NOW) == "1 d ago"
    assert ago(NOW + timedelta(minutes=2), NOW) == "in 2 min"


def test_freshness_counts_each_hour_and_the_newest_story(store: Store) -> None:
    stocked(store)
    with store.read() as conn:
        seen = freshness.seen_per_hour(conn, NOW)["wire"]
        newest = freshness.newest_by_source(conn)
    assert seen[18] == 3 and seen[23] == 2 and sum(seen) == 5 and len(seen) == 24
    assert newest == {"wire": NOW - timedelta(hours=1)}


def test_dashboard_says_health_in_words_with_exact_times_on_hover(store: Store) -> None:
    stocked(store)
    page = get(store, "/status")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    body = page.text
    assert '<span class="badge ok">ok</span>' in body
    assert (
        '<span class="badge failing">failing since <time datetime="2026-03-10T09:00:00+00:00" '
        'title="2026-03-10 09:00:00 UTC">3 h ago</time>, 7 polls in a row</span>'
    ) in body
    assert '<span class="badge retired">retired</span>' in body
    assert '<span class="badge unpolled">not polled yet</span>' in body
    assert 'title="2026-03-10 11:57:00 UTC">3 min ago</time>' in body  # last poll
    assert 'title="2026-03-10 11:00:00 UTC">1 h ago</time>' in body  # newest article
    assert 'aria-label="5 new articles in the last 24 h"' in body
    assert 'aria-label="0 new articles in the last 24 h, failing for the last 3 h"' in body
    assert "HTTP 503" in body and 'aria-label="Sources"><table>' in body
    assert '<a href="/status/readers">' in body and "WebSub pings waiting: 1." in body
    assert "True" not in body and "False" not in body and ".000" not in body


def test_status_json_keeps_its_shape_and_adds_the_dashboard_fields(store: Store) -> None:
    stocked(store)
    found = json.loads(get(store, "/status.json").text)
    assert {"sources", "publish_guard_refusals", "partner_feeds"} <= set(found)
    assert found["queues"] == {"websub": 1, "purge": 0} and found["held_feeds"] == []
    wire, down, old, new = found["sources"]
    assert wire["healthy"] is True and wire["state"] == "ok" and sum(wire["seen_per_hour"]) == 5
    assert down["healthy"] is False and down["failing_since"] == "2026-03-10T09:00:00+00:00"
    assert (old["state"], old["retired"], new["state"], new["last_attempt"]) == (
        "retired", True, "unpolled", None
    )  # fmt: skip
    assert wire["newest_article"] == "2026-03-10T11:00:00+00:00"
