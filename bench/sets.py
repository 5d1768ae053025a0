"""Seeded data sets, cached under var/bench/ (SQLite files, PostgreSQL template databases)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine.url import make_url

from bench import bulk, data
from feeds.archive import open_store

CACHE = Path(__file__).resolve().parent.parent / "var" / "bench"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SEED = 20260101


def _name(count: int, shape: data.Shape) -> str:
    return f"seed_{count}_{shape.sections}x{shape.countries}_{shape.body_bytes}b_{SEED}"


def sqlite_copy(count: int, shape: data.Shape, work: Path) -> tuple[str, str]:
    """A working copy of the cached seed archive; (store URL, how it was seeded)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    seeded = CACHE / f"{_name(count, shape)}.db"
    done = seeded.with_suffix(".done")
    if not done.exists():
        seeded.unlink(missing_ok=True)
        store = open_store(f"sqlite:///{seeded}")
        rate = bulk.seed(store, shape, count, SEED)
        store.dispose()
        done.write_text(f"bulk-seeded at {rate:,.0f} articles/s\n", encoding="utf-8")
    copy = work / "archive.db"
    # SQLite's backup API: a consistent copy including WAL pages not yet checkpointed; the
    # seed itself is never written to, so each run starts from an unbuilt archive
    with sqlite3.connect(seeded) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    return f"sqlite:///{copy}", done.read_text(encoding="utf-8").strip()


def pg_available() -> str | None:
    """None when the bench PostgreSQL answers, else why not."""
    try:
        engine = sa.create_engine(PG_ADMIN)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means: skip the PostgreSQL rows, say why
        return f"PostgreSQL not reachable at {PG_ADMIN}: {type(exc).__name__}"


def pg_copy(count: int, shape: data.Shape) -> tuple[str, str]:
    """A fresh working database cloned from a cached seed database (CREATE … TEMPLATE)."""
    seed_db = f"bench_newsfeeds_{_name(count, shape)}"
    work_db = "bench_newsfeeds_work"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    marker = CACHE / f"{seed_db}.pg.done"
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname=:n"), {"n": seed_db}
        ).first()
        if not exists or not marker.exists():
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{seed_db}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{seed_db}"'))
    if not marker.exists():
        url = str(make_url(PG_ADMIN).set(database=seed_db).render_as_string(False))
        store = open_store(url)
        started = time.perf_counter()
        bulk.seed(store, shape, count, SEED)
        store.dispose()
        CACHE.mkdir(parents=True, exist_ok=True)
        rate = count / (time.perf_counter() - started)
        marker.write_text(f"bulk-seeded at {rate:,.0f} articles/s\n", encoding="utf-8")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{work_db}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{work_db}" TEMPLATE "{seed_db}"'))
    admin.dispose()
    url = str(make_url(PG_ADMIN).set(database=work_db).render_as_string(False))
    return url, marker.read_text(encoding="utf-8").strip()
