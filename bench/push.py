"""Push → new bytes served (POST /api/articles), and which documents one article rewrites."""

from __future__ import annotations

import dataclasses
import gzip
import json
import secrets
import statistics
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import data, serving
from bench.table import Result, verdict
from feeds.archive.engine import Store
from feeds.build import publish
from feeds.intake import take
from sources.model.raw import RawItem

SEED = 4242
MAX_WAIT = 300.0  # one push may not take longer than this to show up
BUDGET = 90.0  # stop sampling after this long (at least one sample): bounds the run


@dataclasses.dataclass(frozen=True, slots=True)
class PushTimes:
    """Seconds from the POST starting to the new bytes being served (and to its 202)."""

    served: list[float]
    stored: list[float]

    def median(self) -> float:
        """Median push → served."""
        return statistics.median(self.served)

    def p99(self) -> float:
        """99th percentile push → served (the largest sample when there are few)."""
        ordered = sorted(self.served)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def config_for(work: Path, store_url: str, shape: data.Shape, port: int) -> Path:
    """A serve config whose sections match the data set."""
    path = serving.write_config(work, store_url, port, 50)
    text = path.read_text(encoding="utf-8").replace('formats = ["rss"]\n', "")
    extra = "".join(
        f'\n[[sections]]\nslug = "{s}"\ntitle = "Section {s.upper()}"\n'
        for s in shape.section_slugs()[1:]
    )
    path.write_text(text + extra, encoding="utf-8")
    return path


def _etag(url: str, previous: str | None) -> str | None:
    return _get(url, previous)[0]


def _get(url: str, previous: str | None) -> tuple[str | None, bytes]:
    """(ETag, identity body) of a conditional GET; the body is empty on 304."""
    headers = {"Accept-Encoding": "gzip"} | ({"If-None-Match": previous} if previous else {})
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
            raw = r.read()
            body = gzip.decompress(raw) if r.headers.get("Content-Encoding") == "gzip" else raw
            return str(r.headers["ETag"]), body
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return previous, b""
        raise


def record(raw: RawItem, section: str) -> dict[str, object]:
    """A bench item in the push API's (drop-folder) JSON format."""
    return {
        "id": raw.upstream_id,
        "url": raw.url,
        "title": raw.title,
        "summary": raw.summary,
        "content_html": raw.content,
        "authors": list(raw.authors),
        "section": section,
        "countries": list(raw.countries),
        "tags": list(raw.categories),
        "published": raw.published,
        "updated": raw.updated,
    }


def _post(base: str, token: str, body: bytes) -> tuple[int, str]:
    """(status, guid of the one article) of a push."""
    request = urllib.request.Request(
        f"{base}/api/articles",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=MAX_WAIT) as response:
        answer = json.loads(response.read())
        return int(response.status), str(answer["articles"][0]["guid"])


def push_one(
    shape: data.Shape, base: str, token: str, index: int, read_base: str | None = None
) -> tuple[float, float]:
    """POST one new article to the running service and wait until a reader sees it (at
    `read_base`, e.g. nginx serving the docroot; the service itself by default)."""
    # stamped at the fixed clock: newer than every seeded article, so it leads its feeds
    raw = data.raw_item(shape, index, SEED, stamp=data.NOW)
    section = raw.source_id.removeprefix("bench-")
    url = f"{read_base or base}/feeds/section/{section}.rss"
    body = json.dumps(record(raw, section)).encode()
    etag = _etag(url, None)
    started = time.perf_counter()
    status, guid = _post(base, token, body)
    stored = time.perf_counter() - started
    if status != 202:
        raise RuntimeError(f"POST /api/articles answered {status}, not 202")
    deadline = started + MAX_WAIT
    # served = a GET returns bytes that carry the new guid (a 304 or other new bytes do not)
    while True:
        etag, got = _get(url, etag)
        if guid.encode() in got:
            return time.perf_counter() - started, stored
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{url}: {guid} not served within {MAX_WAIT:.0f} s")
        time.sleep(0.002)


def measure(url: str, shape: data.Shape, work: Path, samples: int, first_index: int) -> PushTimes:
    """`samples` pushes through POST /api/articles of `newsfeeds serve` on the archive."""
    port = serving.free_port()
    config = config_for(work, url, shape, port)
    token = secrets.token_hex(16)
    served, stored = [], []
    env = {"NEWSFEEDS_API_TOKENS": f"bench:{token}"}
    with serving.newsfeeds_server(config, port, env) as base:
        started = time.perf_counter()
        for n in range(samples):
            if n and time.perf_counter() - started > BUDGET:
                break
            s, w = push_one(shape, base, token, first_index + n)
            served.append(s)
            stored.append(w)
    return PushTimes(served, stored)


def latency_row(label: str, times: PushTimes) -> Result:
    """Push → served against the 250 ms median target."""
    return Result(
        row=label,
        figure=f"median {times.median() * 1000:.0f} ms, p99 {times.p99() * 1000:.0f} ms "
        f"(202 after {statistics.median(times.stored) * 1000:.0f} ms; "
        f"{len(times.served)} pushes)",
        limit="—",
        ratio="—",
        target="median ≤ 250 ms",
        verdict=verdict(times.median() <= 0.25),
    )


def rewrites_row(store: Store, shape: data.Shape, index: int) -> Result:
    """A new article, then a change of its country: documents rewritten vs feeds touched."""
    site = data.site_of(shape)
    raw = data.raw_item(shape, index, SEED, stamp=data.NOW)
    spec = next(s for s in data.sources_of(shape) if s.id == raw.source_id)
    old, new_cc = raw.countries[0], _other(shape, raw.countries[0])
    s = spec.section
    checks = []
    for item, feeds in (
        (raw, {"latest", f"section/{s}", f"country/{old.lower()}", f"section/{s}/{old.lower()}"}),
        (
            dataclasses.replace(raw, countries=(new_cc,)),
            {
                "latest",
                f"section/{s}",
                f"country/{old.lower()}",
                f"section/{s}/{old.lower()}",
                f"country/{new_cc.lower()}",
                f"section/{s}/{new_cc.lower()}",
            },
        ),
    ):
        take(store, spec, [item], data.rules(), now=data.NOW)
        report = publish.rebuild_dirty(store, site, owner="bench", now=lambda: data.NOW)
        expected = {f"/feeds/{f}.{fmt}" for f in feeds for fmt in site.formats}
        checks.append((len(report.changed), len(expected), set(report.changed) == expected))
    return Result(
        row="one rebuild after one new / one changed article (documents rewritten)",
        figure=" / ".join(f"{got}" for got, _, _ in checks),
        limit=" / ".join(f"{want} (feeds before ∪ after × formats)" for _, want, _ in checks),
        ratio="—",
        target="exactly the feeds it belonged to before and after",
        verdict=verdict(all(ok for _, _, ok in checks)),
    )


def _other(shape: data.Shape, cc: str) -> str:
    codes = shape.country_codes()
    return codes[(codes.index(cc) + 1) % len(codes)]
