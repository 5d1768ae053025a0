"""Partner feeds: `[[partners]]` checked at load, profiles rendered by the public renderers
with their extra elements, guarded by `auth_env`, never listed, never beyond rights."""

from __future__ import annotations

import base64
import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import feedparser
import pytest
from http_support import BASE_URL, fetch, ingest, serving, spec, stored, write_config
from lxml import etree

from feeds.build import partnerfeeds
from feeds.render.dressing import SNF
from feeds.render.xmlfix import ATOM, CONTENT, MEDIA
from scheduler.config import load
from scheduler.errors import ConfigError
from scheduler.service import Service

NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
LOGO = "https://news.test/logo-512.png"


def _partners(env: str) -> str:
    return f"""
[[partners]]
id = "smartnews"
profile = "smartnews"
feeds = ["latest", "section/world"]
formats = ["rss", "atom"]
logo_url = "{LOGO}"

[[partners]]
id = "msn"
profile = "msn"
feeds = ["section/world"]
auth_env = "{env}"

"""


def _record(n: int, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": f"p{n}",
        "url": f"https://news.test/story/{n}",
        "title": f"A story long enough for every partner, number {n}",
        "summary": "What happened, in brief.",
        "content_html": f"<p>The whole story {n}, with a <a href='/more'>link</a>.</p>",
        "published": (NOW - timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "image": {"url": f"https://news.test/img/{n}.jpg", "width": 1200, "height": 800},
    }
    return base | fields


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Service:
    env = f"NEWSFEEDS_TEST_MSN_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(env, "msn-user:s3cret")
    made = Service(write_config(tmp_path, extra=_partners(env)))
    ingest(made, [_record(1), _record(2, image=None)], at=NOW, source=spec())
    return made


def _refresh(service: Service) -> list[str]:
    return partnerfeeds.refresh(service.store, service.site, service.cfg.partners, NOW)


def test_smartnews_profile_carries_its_elements_through_the_public_renderer(
    service: Service,
) -> None:
    changed = _refresh(service)
    assert "/partners/smartnews/section/world.rss" in changed
    body = stored(service, "/partners/smartnews/section/world.rss").body
    root = etree.fromstring(body)
    assert root.nsmap["snf"] == SNF and root.nsmap["media"] == MEDIA
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext(f"{{{SNF}}}logo/{{{SNF}}}url") == LOGO
    items = channel.findall("item")
    thumb = items[0].find(f"{{{MEDIA}}}thumbnail")
    assert thumb is not None and thumb.attrib == {
        "url": "https://news.test/img/1.jpg",
        "width": "1200",
        "height": "800",
    }
    assert len(items) == 1  # story 2 has no image: held as thumbnail-missing
    service.rebuild()
    public = stored(service, "/feeds/section/world.rss").body
    assert b"story/2" in public and b"snf:" not in public and b"media:thumbnail" not in public
    assert "The whole story 1" in (items[0].findtext(f"{{{CONTENT}}}encoded") or "")
    atom = etree.fromstring(stored(service, "/partners/smartnews/section/world.atom").body)
    assert atom.findtext(f"{{{SNF}}}logo/{{{SNF}}}url") == LOGO
    assert atom.find(f"{{{ATOM}}}entry/{{{MEDIA}}}thumbnail") is not None
    service.store.dispose()


@pytest.mark.parametrize(
    "path",
    [
        "/partners/smartnews/latest.rss",
        "/partners/smartnews/section/world.atom",
        "/partners/msn/section/world.rss",
    ],
)
def test_every_partner_feed_keeps_the_public_feeds_invariants(service: Service, path: str) -> None:
    _refresh(service)
    parsed = feedparser.parse(stored(service, path).body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    selves = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert selves == [BASE_URL + path]
    assert [e.link for e in parsed.entries] == ["https://news.test/story/1"]  # 2: no image
    for entry in parsed.entries:
        assert entry.link.startswith("https://") and entry.published_parsed is not None
    if path.endswith(".rss"):
        assert b"+0000</pubDate>" in stored(service, path).body
    assert b"href='/more'" not in stored(service, path).body  # content made absolute
    service.store.dispose()


def test_a_partner_feed_never_exceeds_the_source_rights(service: Service) -> None:
    site = dataclasses.replace(service.site, rights=MappingProxyType({"wire": ("summary", False)}))
    partnerfeeds.refresh(service.store, site, service.cfg.partners, NOW)
    body = stored(service, "/partners/smartnews/section/world.rss").body
    assert b"content:encoded" not in body and b"The whole story" not in body
    assert b"media:thumbnail" not in body and b"img/1.jpg" not in body  # images: false
    excluded = dataclasses.replace(site, rights=MappingProxyType({"wire": ("exclude", True)}))
    partnerfeeds.refresh(service.store, excluded, service.cfg.partners, NOW + timedelta(1))
    assert feedparser.parse(stored(service, "/partners/msn/section/world.rss").body).entries == []
    service.store.dispose()


def test_a_guarded_partner_feed_answers_401_without_its_credentials(service: Service) -> None:
    service.rebuild()
    with serving(service.make_app()) as port:
        path = "/partners/msn/section/world.rss"
        bare = fetch(port, path)
        assert bare.status == 401 and bare.headers["www-authenticate"].startswith("Basic")
        wrong = base64.b64encode(b"msn-user:nope").decode()
        assert fetch(port, path, {"Authorization": f"Basic {wrong}"}).status == 401
        right = base64.b64encode(b"msn-user:s3cret").decode()
        ok = fetch(port, path, {"Authorization": f"Basic {right}"})
        assert ok.status == 200 and ok.headers["cache-control"].startswith("private")
        again = fetch(
            port, path, {"Authorization": f"Basic {right}", "If-None-Match": ok.headers["etag"]}
        )
        assert again.status == 304
        open_feed = fetch(port, "/partners/smartnews/latest.rss")
        assert open_feed.status == 200 and open_feed.headers["cache-control"].startswith("public")
        assert fetch(port, "/partners/smartnews/section/business.rss").status == 404
        for page in ("/", "/feeds.opml"):
            listing = fetch(port, page)
            assert listing.status == 200 and b"/partners/" not in listing.body
        public = fetch(port, "/feeds/section/world.rss")
        assert public.status == 200 and b"/partners/" not in public.body
    service.store.dispose()


def test_a_bearer_token_partner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = f"NEWSFEEDS_TEST_TOKEN_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(env, "tok-123")
    extra = (
        '[[partners]]\nid = "news-app"\nprofile = "generic"\nfeeds = ["latest"]\n'
        f'auth_env = "{env}"\n\n'
    )
    service = Service(write_config(tmp_path, extra=extra))
    service.rebuild()
    with serving(service.make_app()) as port:
        path = "/partners/news-app/latest.rss"
        assert fetch(port, path).headers["www-authenticate"].startswith("Bearer")
        assert fetch(port, path, {"Authorization": "Bearer tok-12"}).status == 401
        assert fetch(port, path, {"Authorization": "Bearer tok-123"}).status == 200
    service.store.dispose()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('id = "x"\nprofile = "yahoo"\nfeeds = ["latest"]', "partners.x.profile: must be one of"),
        ('id = "x"\nprofile = "msn"\nfeeds = ["section/sport"]', "partners.x.feeds: names section"),
        ('id = "x"\nprofile = "msn"\nfeeds = ["sports"]', "partners.x.feeds: is not a feed key"),
        (
            'id = "x"\nprofile = "msn"\nfeeds = ["latest"]\nauth_env = "NEWSFEEDS_UNSET_VAR_1"',
            "partners.x.auth_env: names an environment variable that is not set",
        ),
        ('id = "x"\nprofile = "msn"\nfeeds = ["latest"]\nformats = ["json"]', "partners.x.formats"),
        ('id = "x"\nprofile = "google-news"\nfeeds = ["latest"]', "serves no feed"),
        (
            'id = "x"\nprofile = "msn"\nfeeds = ["latest"]\nlogo = "a"',
            "partners.x.logo: unknown key",
        ),
    ],
)
def test_config_names_the_partner_and_what_is_wrong(
    tmp_path: Path, entry: str, message: str
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[[sections]]\nslug = "world"\n\n[[partners]]\n{entry}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load(path)
    assert message in str(err.value)
