"""Values that crashed the push API's insert (issue 17, case 3): stored safely or refused."""

from __future__ import annotations

import json

import pytest
from http_support import eventually, record
from test_push_api import Api, api  # noqa: F401  (the running service with the push API)

from feeds.archive import archived

SURROGATE = "a\ud800"  # a lone surrogate: json.dumps sends it as the escape "\ud800"


def test_a_lone_surrogate_in_every_text_field_is_stored_as_a_replacement(api: Api) -> None:  # noqa: F811
    """On 7710bd8 this answered 500 (UnicodeEncodeError in the insert) and stored nothing."""
    fields = {"title": SURROGATE, "summary": SURROGATE, "authors": [SURROGATE], "tags": [SURROGATE]}
    reply = api.post(record(1, id=f"story-{SURROGATE}", **fields))
    assert reply.status == 202, reply.body
    (posted,) = json.loads(reply.body)["articles"]
    assert posted["upstream_id"] == "story-a\ufffd"
    with api.service.store.read() as conn:
        article = archived.get(conn, posted["id"])
    assert article is not None and article.title == "a\ufffd" and article.summary == "a\ufffd"
    eventually(lambda: "a\ufffd".encode() in api.feed("/feeds/latest.rss"))
    again = api.post(record(1, id=f"story-{SURROGATE}", **fields))  # the same story, not a new one
    assert json.loads(again.body)["unchanged"] == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "9" * 5000),  # 500 on 7710bd8: int conversion limit inside json.loads
        ("id", "-" + "9" * 20),  # past 64 bits
        ("image", '{"url": "https://news.test/a.jpg", "width": 1e999}'),  # infinity
        ("title", "NaN"),  # not a JSON number at all
    ],
)
def test_a_number_out_of_range_is_a_422_naming_the_field(api: Api, field: str, value: str) -> None:  # noqa: F811
    before = api.snapshot()
    others = {k: v for k, v in record(2).items() if k != field}
    body = json.dumps(others)[:-1] + f', "{field}": {value}}}'
    reply = api.post(raw=body.encode())
    assert reply.status == 422, reply.body[:300]
    problems = json.loads(reply.body)["problems"]
    assert [(p["item"], p["field"]) for p in problems] == [(0, field)]
    assert "number out of range" in problems[0]["reason"]
    assert api.snapshot() == before


def test_a_whole_number_id_within_64_bits_is_taken(api: Api) -> None:  # noqa: F811
    reply = api.post(raw=json.dumps({**record(3), "id": 2**63 - 1}).encode())
    assert reply.status == 202, reply.body
    assert json.loads(reply.body)["articles"][0]["upstream_id"] == str(2**63 - 1)


def test_a_number_out_of_range_in_an_ignored_field_is_ignored(api: Api) -> None:  # noqa: F811
    body = json.dumps(record(4))[:-1] + ', "views": 1e999, "rank": ' + "9" * 5000 + "}"
    reply = api.post(raw=body.encode())
    assert reply.status == 202, reply.body
    ignored = json.loads(reply.body)["ignored"]
    assert {"item": 0, "field": "views"} in ignored and {"item": 0, "field": "rank"} in ignored
