"""Push → new bytes served, and which documents one new or changed article rewrites."""

from __future__ import annotations

import dataclasses
import statistics
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import data, serving
from bench.table import Result, verdict
from feeds import publish
from feeds.archive.engine import Store
from feeds.intake import take

SEED = 4242
MAX_WAIT = 300.0  # one push may not take longer than this to show up
BUDGET = 90.0  # stop sampling after this long (at least one sample): bounds the run


@dataclasses.dataclass(frozen=True, slots=True)
class PushTimes:
    """Seconds from the write starting to the new bytes being served, per sample."""

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
    path.write_text(
        text.replace("[[sources]]", extra.lstrip("\n") + "\n[[sources]]", 1), encoding="utf-8"
    )
    return path


def _etag(url: str, previous: str | None) -> str | None:
    headers = {"Accept-Encoding": "gzip"} | ({"If-None-Match": previous} if previous else {})
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
            return str(r.headers["ETag"])
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return previous
        raise


def push_one(store: Store, shape: data.Shape, base: str, index: int) -> tuple[float, float]:
    """Push one new article (durable intake + rebuild) and wait until a reader sees it."""
    # stamped at the fixed clock: newer than every seeded article, so it leads its feeds
    raw = data.raw_item(shape, index, SEED, stamp=data.NOW)
    spec = next(s for s in data.sources_of(shape) if s.id == raw.source_id)
    url = f"{base}/feeds/section/{spec.section}.rss"
    before = _etag(url, None)
    site = data.site_of(shape)
    started = time.perf_counter()
    take(store, spec, [raw], data.rules(), now=data.NOW, durable=True)
    publish.rebuild_dirty(store, site, owner="bench", now=lambda: data.NOW)
    stored = time.perf_counter() - started
    deadline = started + MAX_WAIT
    while _etag(url, before) == before:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{url}: new bytes not served within {MAX_WAIT:.0f} s")
        time.sleep(0.002)
    return time.perf_counter() - started, stored


def measure(
    store: Store, url: str, shape: data.Shape, work: Path, samples: int, first_index: int
) -> PushTimes:
    """`samples` pushes against `newsfeeds serve` running on the same archive."""
    port = serving.free_port()
    config = config_for(work, url, shape, port)
    served, stored = [], []
    with serving.newsfeeds_server(config, port) as base:
        started = time.perf_counter()
        for n in range(samples):
            if n and time.perf_counter() - started > BUDGET:
                break
            s, w = push_one(store, shape, base, first_index + n)
            served.append(s)
            stored.append(w)
    return PushTimes(served, stored)


def latency_row(label: str, times: PushTimes) -> Result:
    """Push → served against the 250 ms median target."""
    return Result(
        row=label,
        figure=f"median {times.median() * 1000:.0f} ms, p99 {times.p99() * 1000:.0f} ms "
        f"(stored after {statistics.median(times.stored) * 1000:.0f} ms; "
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
