"""The push API on a real socket: what it stores, what it refuses, what it leaves alone."""

from __future__ import annotations

import json
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from http_support import Reply, eventually, fetch, record, serving, write_config

from feeds.archive import archived, audit
from feeds.archive import documents as docs
from feeds.archive.tables import articles
from feeds.http.api import parse_tokens
from scheduler import jobs
from scheduler.service import Service

CMS, OPS, BARE = "s3cret-cms-token", "s3cret-ops-token", "bare-s3cret-token"
FORMATS = ("rss", "atom", "json")


@dataclass
class Api:
    """A running service with the push API, its port and its temp dir."""

    service: Service
    port: int
    tmp: Path

    def post(
        self,
        payload: Any = None,
        *,
        token: str | None = CMS,
        content_type: str | None = "application/json",
        raw: bytes | None = None,
        target: str = "/api/articles",
        chunked: bool = False,
    ) -> Reply:
        headers = {}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        if content_type is not None:
            headers["content-type"] = content_type
        body: Any = raw if raw is not None else json.dumps(payload).encode()
        if chunked:
            headers["transfer-encoding"] = "chunked"
            data, body = body, iter([body[i : i + 4096] for i in range(0, len(body), 4096)])
            assert data
        return fetch(self.port, target, headers, method="POST", body=body, chunked=chunked)

    def delete(self, ref: str, *, token: str | None = OPS) -> Reply:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        target = "/api/articles/" + urllib.parse.quote(ref, safe="")
        return fetch(self.port, target, headers, method="DELETE")

    def feed(self, path: str) -> bytes:
        reply = fetch(self.port, path)
        return reply.body if reply.status == 200 else b""

    def settle(self) -> None:
        """Wait until no feed waits for a rebuild (every queued change is published)."""
        eventually(lambda: jobs.pending_rebuilds(self.service.store) == 0)

    def snapshot(self) -> tuple[int, dict[str, str], int]:
        """Article count, every document's ETag, audit entries: what an error must not change."""
        with self.service.store.read() as conn:
            etags = {p: docs.etag_of(conn, p)[0] for p, *_ in docs.listing(conn)}  # type: ignore[index]
            return archived.count(conn), etags, len(audit.entries(conn, limit=10_000))


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    env = f"NEWSFEEDS_TEST_TOKENS_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(env, f"cms:{CMS}, ops:{OPS}, {BARE}")
    service = Service(write_config(tmp_path, tokens_env=env, max_body=20_000))
    service.app = service.make_app()
    service.rebuilder.start()
    with serving(service.app) as port:
        yield Api(service, port, tmp_path)
    service.rebuilder.stop()
    service.store.dispose()


def feeds_of(section: str, country: str) -> list[str]:
    stems = ["latest", f"section/{section}", f"country/{country}", f"section/{section}/{country}"]
    return [f"/feeds/{stem}.{fmt}" for stem in stems for fmt in FORMATS]


def test_a_posted_article_appears_in_every_affected_feed_and_format(api: Api) -> None:
    reply = api.post(record(1, section="Business", countries=["India"]))
    assert reply.status == 202, reply.body
    answer = json.loads(reply.body)
    assert answer["accepted"] == 1 and answer["new"] == 1
    guid = answer["articles"][0]["guid"]
    assert guid.startswith("tag:news.test,2026:article/")
    for path in feeds_of("business", "in"):
        eventually(lambda p=path: guid.encode() in api.feed(p))  # type: ignore[misc]
    assert guid.encode() not in api.feed("/feeds/section/world.rss")


def test_a_batch_is_stored_and_reposting_it_changes_nothing(api: Api) -> None:
    batch = [record(n, section="World") for n in range(1, 4)]
    first = json.loads(api.post(batch).body)
    assert (first["accepted"], first["new"]) == (3, 3)
    api.settle()
    before = api.snapshot()
    assert all(a["guid"].encode() in api.feed("/feeds/latest.atom") for a in first["articles"])
    again = json.loads(api.post(batch).body)
    assert (again["new"], again["edited"], again["unchanged"]) == (0, 0, 3)
    assert [a["guid"] for a in again["articles"]] == [a["guid"] for a in first["articles"]]
    api.settle()
    assert api.snapshot()[:2] == before[:2]


def test_moving_an_article_rebuilds_the_feeds_it_left_and_joined(api: Api) -> None:
    guid = json.loads(api.post(record(1, section="Business")).body)["articles"][0]["guid"]
    eventually(lambda: guid.encode() in api.feed("/feeds/section/business.rss"))
    moved = api.post(record(1, section="World", title="Story one, now a world story"))
    assert json.loads(moved.body)["edited"] == 1
    eventually(lambda: guid.encode() in api.feed("/feeds/section/world.rss"))
    eventually(lambda: guid.encode() not in api.feed("/feeds/section/business.rss"))
    assert b"now a world story" in api.feed("/feeds/latest.json")


@pytest.mark.parametrize("by", ["upstream-id", "id", "guid"])
def test_delete_withdraws_and_leaves_an_atom_tombstone(api: Api, by: str) -> None:
    posted = json.loads(api.post(record(7, section="World")).body)["articles"][0]
    eventually(lambda: posted["guid"].encode() in api.feed("/feeds/section/world.atom"))
    ref = {"upstream-id": "story-7", "id": posted["id"], "guid": posted["guid"]}[by]
    reply = api.delete(ref)
    assert reply.status == 202, reply.body
    assert json.loads(reply.body)["withdrawn"][0]["guid"] == posted["guid"]

    def tombstoned() -> bool:
        atom = api.feed("/feeds/section/world.atom").decode()
        return f'deleted-entry ref="{posted["guid"]}"' in atom and "<entry>" not in atom

    eventually(tombstoned)
    eventually(lambda: posted["guid"].encode() not in api.feed("/feeds/latest.rss"))
    eventually(lambda: posted["guid"].encode() not in api.feed("/feeds/latest.json"))
    with api.service.store.read() as conn:
        actions = [(e.actor, e.action, e.article_id) for e in audit.entries(conn)]
    assert actions == [("ops", "withdraw", posted["id"]), ("cms", "post", posted["id"])]


def test_posting_a_withdrawn_article_again_brings_it_back(api: Api) -> None:
    guid = json.loads(api.post(record(8)).body)["articles"][0]["guid"]
    assert api.delete("story-8").status == 202
    eventually(lambda: guid.encode() not in api.feed("/feeds/latest.rss"))
    assert json.loads(api.post(record(8)).body)["edited"] == 1
    eventually(lambda: guid.encode() in api.feed("/feeds/latest.rss"))


def test_every_token_works_and_the_audit_log_names_it(api: Api) -> None:
    for n, token in enumerate((CMS, OPS, BARE), 1):
        assert api.post(record(n), token=token).status == 202
    with api.service.store.read() as conn:
        entries = audit.entries(conn)
    assert sorted(e.actor for e in entries) == ["cms", "ops", "token3"]
    assert all(e.at is not None for e in entries)
    dumped = json.dumps([e.detail for e in entries]) + "".join(e.actor for e in entries)
    assert CMS not in dumped and BARE not in dumped


def deep(levels: int) -> bytes:
    return b'{"title": ' + b"[" * levels + b"]" * levels + b"}"


REFUSALS: list[tuple[str, dict[str, Any], int]] = [
    ("no-token", {"token": None}, 401),
    ("wrong-token", {"token": "guess"}, 403),
    ("token-in-query", {"token": None, "target": f"/api/articles?access_token={CMS}"}, 400),
    ("token-in-query-too", {"target": f"/api/articles?token={CMS}"}, 400),
    ("too-big", {"raw": b'{"title": "' + b"x" * 25_000 + b'"}'}, 413),
    ("too-big-chunked", {"raw": b'{"title": "' + b"x" * 25_000 + b'"}', "chunked": True}, 413),
    ("text-plain", {"content_type": "text/plain"}, 415),
    ("form", {"content_type": "application/x-www-form-urlencoded"}, 415),
    ("no-content-type", {"content_type": None}, 415),
    ("malformed", {"raw": b'{"title": "unfinished'}, 400),
    ("not-utf8", {"raw": b'{"title": "\xff\xfe"}'}, 400),
    ("recursion", {"raw": deep(6000)}, 400),
    ("nested", {"raw": deep(40)}, 400),
    ("empty-batch", {"payload": []}, 422),
    ("not-an-object", {"payload": [record(2), 5]}, 422),
    ("no-title", {"payload": {k: v for k, v in record(2).items() if k != "title"}}, 422),
]


@pytest.mark.parametrize(("case", "kwargs", "status"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_leave_the_archive_unchanged(
    api: Api, case: str, kwargs: dict[str, Any], status: int
) -> None:
    assert api.post(record(1, section="World")).status == 202
    api.settle()
    before = api.snapshot()
    kwargs = {"payload": record(2), **kwargs}
    reply = api.post(kwargs.pop("payload"), **kwargs)
    assert reply.status == status, reply.body
    assert "error" in json.loads(reply.body)
    assert str(api.tmp).encode() not in reply.body and b"Traceback" not in reply.body
    if status == 401:
        assert reply.headers["www-authenticate"].startswith("Bearer")
    api.settle()
    assert api.snapshot() == before


def test_422_names_every_bad_field_and_stores_nothing(api: Api) -> None:
    before = api.snapshot()
    bad = record(
        2,
        title=5,
        url="ftp://example.com/x",
        colour="red",
        published="someday",
        section="Sport",
        countries=["Atlantis"],
        image={"url": "not a url"},
        status="maybe",
    )
    reply = api.post([record(1), bad])
    assert reply.status == 422
    answer = json.loads(reply.body)
    fields = {(p["item"], p["field"]) for p in answer["problems"]}
    # "colour" is not a problem: unknown fields are ignored and named (test_push_contract.py)
    expected = {"title", "url", "published", "section", "countries", "image", "status"}
    assert fields == {(1, f) for f in expected}
    assert all(p["reason"] for p in answer["problems"])
    assert api.snapshot() == before  # the valid first item was not stored either


def test_delete_of_an_unknown_article_is_404_and_changes_nothing(api: Api) -> None:
    before = api.snapshot()
    for ref in ("no-such-story", "0" * 24, "tag:news.test,2026:article/" + "0" * 24):
        assert api.delete(ref).status == 404
    assert api.delete("story-1", token=None).status == 401
    assert api.delete("story-1", token="guess").status == 403
    assert api.snapshot() == before


def test_push_requests_are_counted(api: Api) -> None:
    api.post(record(1), token="guess")
    text = fetch(api.port, "/metrics").body.decode()
    assert 'newsfeeds_push_requests_total{status="403"}' in text


def test_token_list_parsing() -> None:
    tokens = parse_tokens(" cms:abc , def,, ops : ghi ,:jkl, name: ")
    assert dict(tokens) == {"abc": "cms", "def": "token2", "ghi": "ops", "jkl": "token5"}


def archive_rows(api: Api) -> list[tuple[object, ...]]:
    """Every article row, byte for byte: what a refused guid must leave as it was."""
    with api.service.store.read() as conn:
        return [tuple(r) for r in conn.execute(sa.select(articles).order_by(articles.c.id))]


def documents_of(api: Api) -> dict[str, bytes]:
    with api.service.store.read() as conn:
        found = {p: docs.get(conn, p) for p, *_ in docs.listing(conn)}
    return {p: d.body for p, d in found.items() if d is not None}


def test_a_cms_guid_is_honoured_at_first_sight(api: Api) -> None:
    guid = "https://cms.news.test/node/1"
    reply = api.post(record(1, section="World", guid=guid))
    assert reply.status == 202, reply.body
    assert json.loads(reply.body)["articles"][0]["guid"] == guid
    api.settle()
    for fmt in FORMATS:
        assert guid.encode() in api.feed(f"/feeds/latest.{fmt}")


@pytest.mark.parametrize(
    ("second", "why"),
    [
        (record(1, section="World", guid="https://cms.news.test/node/9"), "first published as"),
        (record(2, section="World", guid="https://cms.news.test/node/1"), "another article's"),
        (record(3, section="World", guid="123"), "absolute IRI"),
    ],
    ids=["changed", "taken", "not-an-iri"],
)
def test_a_guid_that_is_not_the_articles_is_422_and_changes_nothing(
    api: Api, second: dict[str, object], why: str
) -> None:
    assert api.post(record(1, section="World", guid="https://cms.news.test/node/1")).status == 202
    api.settle()
    rows, documents, before = archive_rows(api), documents_of(api), api.snapshot()
    reply = api.post(second)
    assert reply.status == 422, reply.body
    [found] = json.loads(reply.body)["problems"]
    assert found["field"] == "guid" and why in found["reason"]
    api.settle()
    assert (archive_rows(api), documents_of(api), api.snapshot()) == (rows, documents, before)
