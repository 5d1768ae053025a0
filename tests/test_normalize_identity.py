"""Canonical URLs and the identity keys that decide whether two items are one article."""

from __future__ import annotations

import pytest

from sources.model.raw import RawItem
from sources.model.spec import SourceSpec
from sources.normalize import canonical_url, identity_keys

SOURCE = SourceSpec(
    id="wire",
    kind="feed",
    url="https://www.example.com/rss/world.xml",
    interval_seconds=300,
    section="world",
    id_pattern=r"-(\d{6,})(?:\.html)?$",
)


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("HTTP://WWW.Example.COM:80/a/b", None, "http://www.example.com/a/b"),
        ("https://example.com:443", None, "https://example.com/"),
        ("https://example.com:8443/x", None, "https://example.com:8443/x"),
        (
            "https://example.com/a?utm_source=tw&x=1&utm_medium=s#top",
            None,
            "https://example.com/a?x=1",
        ),
        (
            "https://example.com/a?b=2&fbclid=X&a=1&gclid=Y&mc_cid=1&mc_eid=2&igshid=3&_ga=4&ref_src=t",
            None,
            "https://example.com/a?b=2&a=1",
        ),
        ("https://example.com/a?utm_source=x", None, "https://example.com/a"),
        (
            "/world/story?id=7",
            "https://www.example.com/rss/",
            "https://www.example.com/world/story?id=7",
        ),
        (
            "story.html",
            "https://www.example.com/rss/feed.xml",
            "https://www.example.com/rss/story.html",
        ),
        ("//cdn.example.com/x", "https://www.example.com/", "https://cdn.example.com/x"),
        ("  https://example.com/a\n", None, "https://example.com/a"),
        (
            "https://bücher.example/straße?q=ü",
            None,
            "https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%BC",
        ),
        ("https://example.com/a b", None, "https://example.com/a%20b"),
        ("https://example.com/%E2%82%AC", None, "https://example.com/%E2%82%AC"),
        ("https://example.com./a", None, "https://example.com/a"),
    ],
)
def test_canonical_url(url: str, base: str | None, expected: str) -> None:
    assert canonical_url(url, base) == expected


def test_unparseable_url_raises_value_error() -> None:
    with pytest.raises(ValueError):
        canonical_url("http://[::1")
    with pytest.raises(ValueError):
        canonical_url("http://example.com:99999999/")


def test_keys_in_precedence_order() -> None:
    raw = RawItem(
        source_id="wire",
        upstream_id="urn:uuid:1234",
        url="https://www.example.com/world/quake-hits-city-2026022801.html?utm_source=rss",
    )
    assert identity_keys(raw, SOURCE) == (
        "up:wire:urn:uuid:1234",
        "url://www.example.com/world/quake-hits-city-2026022801.html",
        "sid:www.example.com:2026022801",
    )


def test_http_https_and_tracking_params_give_one_url_key() -> None:
    variants = [
        "http://www.example.com/world/a?id=3",
        "https://www.example.com/world/a?id=3&utm_campaign=x",
        "https://WWW.EXAMPLE.COM:443/world/a?fbclid=1&id=3#comments",
        "/world/a?id=3",
    ]
    keys = {identity_keys(RawItem(source_id="wire", url=u), SOURCE) for u in variants}
    assert keys == {("url://www.example.com/world/a?id=3",)}


def test_slug_change_keeps_the_stable_id_key() -> None:
    old = RawItem(source_id="wire", url="https://www.example.com/world/quake-1234567.html")
    new = RawItem(source_id="wire", url="https://www.example.com/world/big-quake-1234567.html")
    assert identity_keys(old, SOURCE)[-1] == identity_keys(new, SOURCE)[-1]
    assert identity_keys(old, SOURCE)[-1] == "sid:www.example.com:1234567"


def test_permalink_guid_stands_in_for_a_missing_link() -> None:
    raw = RawItem(source_id="wire", upstream_id="https://www.example.com/a")
    assert identity_keys(raw, SOURCE) == (
        "up:wire:https://www.example.com/a",
        "url://www.example.com/a",
    )


def test_no_keys_without_id_or_link() -> None:
    assert identity_keys(RawItem(source_id="wire", url="javascript:void(0)"), SOURCE) == ()
