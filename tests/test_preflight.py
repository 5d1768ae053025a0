"""Preflight: for each profile, one article per implemented rule breaks exactly that rule and is
held with it named; one that breaks none is served; the public feeds carry every one."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from http_support import fetch, ingest, serving, spec, stored, write_config

from feeds.build import partnerfeeds
from feeds.build.partnerfeeds import partner_meta
from feeds.metrics import REGISTRY
from feeds.partners import Partner
from feeds.preflight import PACKS, preflight
from feeds.site import Site
from scheduler.service import Service
from sources.model.article import Article, Image
from tests.service_support import cli

NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
SITE = Site(title="Ledger", base_url="https://feeds.example", authority="example")
GOOD = Article(
    id="good",
    guid="tag:example,2026:good",
    url="https://news.example/good",
    title="A title well over twenty characters long",
    summary="What happened.",
    content="<p>The whole story.</p>",
    section="world",
    published=NOW - timedelta(hours=2),
    updated=NOW - timedelta(hours=2),
    source_id="wire",
    raw_hash="h",
    normalizer_version=1,
    image=Image(url="https://news.example/a.jpg", width=1200, height=800),
)
IMG = GOOD.image
assert IMG is not None

# for each profile: rule -> the change to GOOD that breaks exactly that rule
BREAKS: dict[str, dict[str, dict[str, object]]] = {
    "msn": {
        "title-too-short": {"title": "Twenty chars exactly"},
        "title-too-long": {"title": "x" * 151},
        "title-markup": {"title": "A title that carries <b>bold</b> markup"},
        "body-missing": {"content": None},
        "date-in-future": {"published": NOW + timedelta(minutes=2)},
        "date-too-old": {"published": NOW - timedelta(days=366)},
        "link-not-https": {"url": "http://news.example/plain"},
        "image-missing": {"image": None},
        "image-not-https": {"image": dataclasses.replace(IMG, url="http://news.example/a.jpg")},
        "image-too-small": {"image": dataclasses.replace(IMG, width=149, height=800)},
    },
    "smartnews": {
        "thumbnail-missing": {"image": None},
        "body-missing": {"content": "  "},
    },
    "flipboard": {
        "body-missing": {"content": None},
        "image-missing": {"image": None},
        "image-too-small": {"image": dataclasses.replace(IMG, width=1200, height=399)},
    },
    "generic": {},
    "google-news": {},
}


def _partner(profile: str, **fields: object) -> Partner:
    base = Partner(id=profile, profile=profile, feeds=("section/world",))  # type: ignore[arg-type]
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def _check(
    partner: Partner, articles: list[Article], site: Site = SITE, hubs: tuple[str, ...] = ()
):
    meta = partner_meta(site, partner, "section/world")
    return preflight(partner, meta, articles, NOW, hubs)


@pytest.mark.parametrize("profile", sorted(BREAKS))
def test_each_rule_holds_the_article_that_breaks_it_and_only_that(profile: str) -> None:
    breaks = BREAKS[profile]
    implemented = {rule.name for rule in PACKS[profile].items}
    assert set(breaks) == implemented  # every implemented rule has its breaking article
    bad = [
        dataclasses.replace(GOOD, id=rule, guid=f"tag:example,2026:{rule}", **change)  # type: ignore[arg-type]
        for rule, change in breaks.items()
    ]
    verdict = _check(_partner(profile), [GOOD, *bad])
    assert [a.id for a in verdict.kept] == ["good"]
    assert {h.guid.rsplit(":", 1)[1]: h.rule for h in verdict.held} == {r: r for r in breaks}
    assert all(h.reason for h in verdict.held)


def test_an_image_of_unknown_size_is_pending_where_a_size_rule_applies() -> None:
    unsized = dataclasses.replace(GOOD, image=Image(url="https://news.example/b.jpg"))
    for profile in ("msn", "flipboard"):
        (held,) = _check(_partner(profile), [unsized]).held
        assert held.rule == "image-size-pending"
    assert _check(_partner("smartnews"), [unsized]).kept == [unsized]  # no size rule


@pytest.mark.parametrize(
    ("profile", "rule", "bad", "good"),
    [
        (
            "msn",
            "site-not-https",
            {"site": dataclasses.replace(SITE, base_url="http://f.example")},
            {},
        ),
        ("smartnews", "logo-missing", {}, {"logo_url": "https://news.example/logo.png"}),
        ("flipboard", "websub-missing", {}, {"hubs": ("https://hub.example/",)}),
    ],
)
def test_feed_rules_are_reported(
    profile: str, rule: str, bad: dict[str, object], good: dict[str, object]
) -> None:
    def problems(extra: dict[str, object]) -> set[str]:
        partner = _partner(
            profile, **({"logo_url": extra["logo_url"]} if "logo_url" in extra else {})
        )
        site = extra.get("site", SITE)
        hubs = extra.get("hubs", ())
        verdict = _check(partner, [GOOD], site, hubs)  # type: ignore[arg-type]
        return {p.rule for p in verdict.problems}

    assert rule in problems(bad)
    assert rule not in problems(good | {"logo_url": "https://news.example/logo.png"})


def test_smartnews_description_and_flipboard_item_count() -> None:
    site = dataclasses.replace(
        SITE, section_descriptions={"world": "World news from every corner of the globe"}
    )
    smart = _check(_partner("smartnews", logo_url="https://l.example/x.png"), [GOOD], site)
    assert [p.rule for p in smart.problems] == ["description-too-long"]
    short = dataclasses.replace(SITE, section_descriptions={"world": "World news"})
    assert (
        _check(_partner("smartnews", logo_url="https://l.example/x.png"), [GOOD], short).problems
        == []
    )
    many = [dataclasses.replace(GOOD, id=f"a{n}", guid=f"tag:x,2026:{n}") for n in range(30)]
    hubs = ("https://hub.example/",)
    assert _check(_partner("flipboard"), many, hubs=hubs).problems == []
    # holding one item pushes the feed below 30: said, never silently
    held = [*many[:29], dataclasses.replace(many[29], image=None)]
    (problem,) = _check(_partner("flipboard"), held, hubs=hubs).problems
    assert problem.rule == "too-few-items" and "1 held by preflight" in problem.reason


def _record(n: int, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": f"r{n}",
        "url": f"https://news.test/story/{n}",
        "title": f"A story long enough for MSN, number {n}",
        "summary": "What happened.",
        "content_html": "<p>The whole story.</p>",
        "published": (NOW - timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "image": {"url": f"https://news.test/img/{n}.jpg", "width": 1200, "height": 800},
    }
    return base | fields


def _held_metric(partner: str, rule: str) -> float:
    value = REGISTRY.get_sample_value(
        "newsfeeds_partner_items_held", {"partner": partner, "rule": rule}
    )
    return value or 0.0


def test_held_items_leave_the_partner_feed_only_and_the_metric_follows(tmp_path: Path) -> None:
    pid = f"msn-{uuid.uuid4().hex[:6]}"
    extra = f'[[partners]]\nid = "{pid}"\nprofile = "msn"\nfeeds = ["section/world"]\n\n'
    service = Service(write_config(tmp_path, extra=extra))
    records = [_record(1), _record(2, title="Too short"), _record(3, image=None)]
    ingest(service, records, at=NOW, source=spec())
    service.rebuild()  # the public feeds
    partners = service.cfg.partners
    partnerfeeds.refresh(service.store, service.site, partners, NOW)
    public = feedparser.parse(stored(service, "/feeds/section/world.rss").body)
    assert len(public.entries) == 3
    mine = feedparser.parse(stored(service, f"/partners/{pid}/section/world.rss").body)
    assert [e.link for e in mine.entries] == ["https://news.test/story/1"]
    assert _held_metric(pid, "title-too-short") == 1 and _held_metric(pid, "image-missing") == 1
    fixed = _record(2, title="Now a title long enough to be carried by MSN")
    ingest(service, [fixed], at=NOW + timedelta(minutes=1), source=spec())
    service.rebuild()
    partnerfeeds.refresh(service.store, service.site, partners, NOW + timedelta(minutes=1))
    assert _held_metric(pid, "title-too-short") == 0 and _held_metric(pid, "image-missing") == 1
    again = feedparser.parse(stored(service, f"/partners/{pid}/section/world.rss").body)
    assert len(again.entries) == 2
    service.store.dispose()


def test_the_preflight_command_prints_a_table_at_80_columns_and_json(tmp_path: Path) -> None:
    extra = '[[partners]]\nid = "msn"\nprofile = "msn"\nfeeds = ["section/world", "latest"]\n\n'
    service = Service(write_config(tmp_path, extra=extra))
    long_title = (
        "A title so long that no partner table could ever hope to show it whole " * 3
    ).strip()
    hour_ago = (now_ish() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    records = [_record(1, published=hour_ago), _record(2, title=long_title, published=hour_ago)]
    ingest(service, records, at=now_ish(), source=spec())
    service.store.dispose()
    config = tmp_path / "config.toml"
    table = cli(config, "preflight", env={"COLUMNS": "80"})
    assert table.returncode == 1, table.stderr
    lines = table.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "title-too-long" in table.stdout and "site-not-https" in table.stdout
    as_json = cli(config, "preflight", "msn", "--json")
    assert as_json.returncode == 1
    data = json.loads(as_json.stdout)
    assert {(h["feed"], h["rule"]) for h in data["held"]} == {
        ("section/world", "title-too-long"),
        ("latest", "title-too-long"),
    }
    assert {p["rule"] for p in data["problems"]} == {"site-not-https"}
    assert {(s["feed"], s["items"]) for s in data["served"]} == {
        ("section/world", 1),
        ("latest", 1),
    }
    unknown = cli(config, "preflight", "nobody")
    assert unknown.returncode == 2 and "no partner 'nobody'" in unknown.stderr


def now_ish() -> datetime:
    """The CLI checks against the real clock: articles from an hour ago."""
    return datetime.now(UTC).replace(microsecond=0)


def test_status_lists_held_items_per_partner(tmp_path: Path) -> None:
    extra = '[[partners]]\nid = "msn"\nprofile = "msn"\nfeeds = ["section/world"]\n\n'
    service = Service(write_config(tmp_path, extra=extra))
    hour_ago = (now_ish() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ingest(service, [_record(1, published=hour_ago, image=None)], at=now_ish(), source=spec())
    with serving(service.make_app()) as port:
        data = json.loads(fetch(port, "/status.json").body)["partner_feeds"]
        assert [(h["partner"], h["rule"]) for h in data["held"]] == [("msn", "image-missing")]
        assert [p["rule"] for p in data["problems"]] == ["site-not-https"]
        page = fetch(port, "/status").body.decode()
        assert "1 held items" in page and "image-missing" in page
    service.store.dispose()
