"""A faster seeding path for large data sets: the same normalize + catalogue, batched inserts.

Intake upserts one article at a time (about 15 statements each, ~400 articles/s here), so a
million-article set would take most of an hour to seed. This path runs the same pure steps
(identity_keys, normalize, keys_for, the archive's own JSON codec) in a pool of worker
processes, one ~1,000-article range per task, and the parent writes each batch with one
executemany per table. It only ever creates new articles: positions are handed out in
index order, exactly as intake would for a fresh archive, whichever worker did the work.
"""

from __future__ import annotations

import functools
import multiprocessing
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bench import data
from feeds.archive import queue
from feeds.archive.codec import dump_article, dump_raw
from feeds.archive.engine import Store
from feeds.archive.tables import article_keys, articles, feeds, memberships
from feeds.catalog import keys_for
from sources.model.article import Article
from sources.model.raw import RawItem
from sources.normalize import identity_keys, normalize

WORKERS = 2  # the bench machine has 2 cores; the parent's writes are a small share
PROGRESS_EVERY = 50_000  # articles between progress lines on stderr


@dataclass(frozen=True, slots=True)
class _Batch:
    """The rows of one index range, except memberships, whose positions the parent assigns."""

    rows: list[dict[str, object]]
    keys: list[dict[str, object]]
    # (article id, published, feed names in keys_for order) per article, in index order
    feeds_of: list[tuple[str, datetime, list[str]]]


def seed(
    store: Store,
    shape: data.Shape,
    count: int,
    seed_value: int,
    *,
    start: int = 0,
    batch: int = 1000,
    workers: int = WORKERS,
) -> float:
    """Append articles start..start+count to a fresh archive; return rows/s."""
    positions: Counter[str] = Counter()
    with store.read() as conn:
        for row in conn.execute(feeds.select()):
            positions[row.name] = int(row.next_position) - 1
    spans = [(i, min(i + batch, start + count)) for i in range(start, start + count, batch)]
    started = time.perf_counter()
    done = 0
    for prepared in _prepared(shape, seed_value, spans, workers):
        members: list[dict[str, object]] = []
        for article_id, published, names in prepared.feeds_of:
            for name in names:
                positions[name] += 1
                members.append(
                    {
                        "feed": name,
                        "article_id": article_id,
                        "live": True,
                        "published": published,
                        "position": positions[name],
                        "left_at": None,
                    }
                )
        with store.begin() as conn:
            conn.execute(articles.insert(), prepared.rows)
            conn.execute(article_keys.insert(), prepared.keys)
            conn.execute(memberships.insert(), members)
        before, done = done, done + len(prepared.rows)
        if done // PROGRESS_EVERY > before // PROGRESS_EVERY:
            rate = done / max(time.perf_counter() - started, 1e-9)
            print(
                f"seeding {count:,} articles… {done:,} done, {rate:,.0f}/s",
                file=sys.stderr,
                flush=True,
            )
    _finish_feeds(store, positions)
    return count / max(time.perf_counter() - started, 1e-9)


def _prepared(
    shape: data.Shape, seed_value: int, spans: list[tuple[int, int]], workers: int
) -> Iterator[_Batch]:
    """The batches of `spans`, in order; computed by `workers` processes when more than 1."""
    work = functools.partial(_prepare, shape, seed_value)
    if workers <= 1:
        yield from map(work, spans)
        return
    # fork: the children inherit the imported modules and need nothing pickled but the
    # spans; they never touch the parent's open database connections (they leave with
    # os._exit). imap keeps results in task order, which is index order.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(work, spans)


def _prepare(shape: data.Shape, seed_value: int, span: tuple[int, int]) -> _Batch:
    """The pure per-article work for indexes span[0]..span[1]-1 (runs in a worker)."""
    specs = {s.id: s for s in data.sources_of(shape)}
    rules = data.rules()
    out = _Batch(rows=[], keys=[], feeds_of=[])
    for i in range(*span):
        raw = data.raw_item(shape, i, seed_value)
        spec = specs[raw.source_id]
        article = normalize(raw, spec, rules.normalize, now=data.NOW, first_seen=data.NOW)
        out.rows.append(_row(article, raw))
        out.keys.extend({"key": k, "article_id": article.id} for k in identity_keys(raw, spec))
        names = [key.name for key in keys_for(article, rules.combos)]
        out.feeds_of.append((article.id, article.published, names))
    return out


def _row(a: Article, raw: RawItem) -> dict[str, object]:
    """The articles row intake would write for a new article."""
    return {
        "id": a.id,
        "guid": a.guid,
        "url": a.url,
        "source_id": a.source_id,
        "section": a.section,
        "status": a.status.value,
        "published": a.published,
        "updated": a.updated,
        "first_seen": data.NOW,
        "embargo_until": None,
        "raw_hash": a.raw_hash,
        "normalizer_version": a.normalizer_version,
        "data": dump_article(a),
        "raw": dump_raw(raw),
    }


def _finish_feeds(store: Store, positions: Counter[str]) -> None:
    """Feed rows: arrival counters where intake would leave them, every feed queued dirty."""
    with store.begin() as conn:
        queue.ensure_feeds(conn, positions)
        # one executemany rather than an UPDATE per feed: ~10,000 feeds at the scale shape
        stmt = (
            feeds.update()
            .where(feeds.c.name == sa.bindparam("feed_name"))
            .values(next_position=sa.bindparam("next"))
        )
        params = [{"feed_name": name, "next": last + 1} for name, last in positions.items()]
        if params:
            conn.execute(stmt, params)
        queue.mark_dirty(conn, positions)


def table_names() -> Iterable[str]:
    """The tables seed() writes (and a copy of a seed must carry): see _finish_feeds too."""
    return (articles.name, article_keys.name, memberships.name, feeds.name)
