"""Concurrent writers on one archive (several processes' worth of connections)."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime

from test_archive_intake import RULES, SOURCE, raw

from feeds import intake
from feeds.archive import archived, queue
from feeds.archive.engine import open_store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
COUNTRIES = ["AU", "BR", "CA", "DE", "FR", "IN", "JP", "NZ", "US", "ZA"]


def test_concurrent_intake_and_claims_neither_deadlock_nor_fail(store_url: str) -> None:
    """Batches whose feeds come in opposite orders, from four writers at once."""
    errors: list[BaseException] = []

    def ingest(worker: int) -> None:
        store = open_store(store_url, run_migrations=False)
        source = dataclasses.replace(SOURCE, id=f"wire-{worker}")
        try:
            for batch in range(6):
                order = COUNTRIES if (worker + batch) % 2 else COUNTRIES[::-1]
                items = [
                    raw(
                        n,
                        source_id=source.id,
                        upstream_id=f"{worker}-{batch}-{n}",
                        url=f"https://wire.example.com/{worker}/{batch}/{n}",
                        countries=(cc,),
                    )
                    for n, cc in enumerate(order)
                ]
                intake.take(store, source, items, RULES, now=NOW)
                with store.begin() as conn:
                    claimed = queue.claim_dirty(conn, f"w{worker}", NOW, 60)
                for name, seq in claimed:  # one transaction per feed, as publishing does
                    with store.begin() as conn:
                        queue.finish(conn, name, f"w{worker}", seq)
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.dispose()

    open_store(store_url).dispose()
    threads = [threading.Thread(target=ingest, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    check = open_store(store_url, run_migrations=False)
    try:
        # what the writers marked after their last claim is left for the next one
        with check.begin() as conn:
            for name, seq in queue.claim_dirty(conn, "last", NOW, 60):
                queue.finish(conn, name, "last", seq)
        with check.read() as conn:
            assert archived.count(conn) == 4 * 6 * len(COUNTRIES)
            assert queue.pending(conn) == 0
    finally:
        check.dispose()
