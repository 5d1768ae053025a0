"""Seeded data sets, cached under var/bench/ (SQLite files, PostgreSQL template databases).

The SQLite seed is the one place articles are generated and normalized; the PostgreSQL
seed database is copied from it, and a built copy (every feed rebuilt once) is kept per
version of the rendering code, so a scale run pays for each expensive step only once.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import TypeVar

import psycopg
import sqlalchemy as sa
from psycopg import sql
from psycopg.rows import TupleRow
from sqlalchemy.engine.url import make_url

from bench import bulk, data
from feeds.archive import open_store
from feeds.build import publish

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SEED = 20260101
CODE = (ROOT / "feeds", ROOT / "sources")  # what a built archive's bytes depend on
BIG_FILE = 500 * 1024 * 1024  # copies of files at least this large say so on stderr
COPY_BATCH = 5_000  # rows read from SQLite at a time while copying into PostgreSQL
COPY_PROGRESS = 500_000  # rows between progress lines of that copy
COPY_STREAMS = 2  # tables copied at once (the scale bench runs on 2 cores)
FEED_PROGRESS = 1_000  # rebuilt feeds between progress lines of a build

T = TypeVar("T")


def say(message: str) -> None:
    """A progress line on stderr (stdout carries the table)."""
    print(message, file=sys.stderr, flush=True)


def _name(count: int, shape: data.Shape) -> str:
    return f"seed_{count}_{shape.sections}x{shape.countries}_{shape.body_bytes}b_{SEED}"


def _remove_db(path: Path) -> None:
    """Delete a SQLite file and its WAL and shared-memory files (a stale WAL could be replayed)."""
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)


def _backup(src: Path, dst: Path) -> None:
    """Copy a SQLite archive with the backup API: consistent, WAL pages included."""
    big = src.stat().st_size >= BIG_FILE
    if big:
        say(f"copying {src.name} ({src.stat().st_size / 1e9:.1f} GB)…")
    started = time.perf_counter()
    _remove_db(dst)
    with closing(sqlite3.connect(src)) as source, closing(sqlite3.connect(dst)) as target:
        source.backup(target)
    if big:
        say(f"copied {src.name} in {time.perf_counter() - started:.0f} s")


def seed_file(count: int, shape: data.Shape) -> tuple[Path, str]:
    """The cached, unbuilt SQLite seed archive (seeded on first use); (path, how seeded)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    seeded = CACHE / f"{_name(count, shape)}.db"
    done = seeded.with_suffix(".done")
    if not done.exists():
        _remove_db(seeded)
        say(f"seeding {count:,} articles into {seeded}…")
        started = time.perf_counter()
        store = open_store(f"sqlite:///{seeded}")
        rate = bulk.seed(store, shape, count, SEED)
        store.dispose()
        done.write_text(f"bulk-seeded at {rate:,.0f} articles/s\n", encoding="utf-8")
        say(f"seeded {count:,} articles in {time.perf_counter() - started:.0f} s ({rate:,.0f}/s)")
    return seeded, done.read_text(encoding="utf-8").strip()


def sqlite_copy(count: int, shape: data.Shape, work: Path) -> tuple[str, str]:
    """A working copy of the cached seed archive; (store URL, how it was seeded)."""
    seeded, how = seed_file(count, shape)
    copy = work / "archive.db"
    # the seed itself is never rebuilt, so each run starts from an unbuilt archive
    _backup(seeded, copy)
    return f"sqlite:///{copy}", how


def code_stamp(roots: Iterable[Path] = CODE) -> str:
    """A short hash of every source file under `roots` (names and bytes), caches excluded."""
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(root.parent)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:10]


# The code this process imported (bench imports feeds and sources at start): a build made
# here is labelled with it even if the files change later in a long run
LOADED = code_stamp()


def _built_path(count: int, shape: data.Shape, stamp: str) -> Path:
    return CACHE / f"{_name(count, shape)}_built_{stamp}.db"


def sqlite_built(count: int, shape: data.Shape, work: Path) -> tuple[str, str]:
    """A working copy of the seed archive with every feed built once; (store URL, how).

    The built archive is cached per seed and per version of feeds/ and sources/ (changed
    rendering code gives a fresh build); a run never rebuilds it again.
    """
    stamp = LOADED
    built = _built_path(count, shape, stamp)
    done = built.with_suffix(".done")
    if not done.exists():
        seeded, how = seed_file(count, shape)
        _forget_builds(count, shape)
        _backup(seeded, built)
        store = open_store(f"sqlite:///{built}")
        feeds = 0
        started = time.perf_counter()

        def progress(_feed: str) -> None:
            nonlocal feeds
            feeds += 1
            if feeds % FEED_PROGRESS == 0:
                rate = feeds / (time.perf_counter() - started)
                say(f"building {built.name}… {feeds:,} feeds done, {rate:,.1f}/s")

        say(f"building every feed of {built.name} (code {stamp})…")
        publish.rebuild_dirty(
            store, data.site_of(shape), owner="bench", now=lambda: data.NOW, on_feed=progress
        )
        store.dispose()
        seconds = time.perf_counter() - started
        say(f"built {feeds:,} feeds in {seconds:.0f} s")
        done.write_text(f"{how}; built once in {seconds:,.0f} s\n", encoding="utf-8")
    copy = work / "archive.db"
    _backup(built, copy)
    return f"sqlite:///{copy}", done.read_text(encoding="utf-8").strip()


def keep_built(count: int, shape: data.Shape, path: Path, stamp: str) -> None:
    """Adopt an archive built (by the code of `stamp`) from a copy of the seed as the cache.

    The full-rebuild row ends with exactly what sqlite_built would make (the same rebuild
    of the same seed; bench.worker only reads after it), so keeping it saves the push row
    a second full rebuild. The file is moved, not copied: the caller must not use it again.
    """
    built = _built_path(count, shape, stamp)
    done = built.with_suffix(".done")
    if done.exists() or stamp != code_stamp():
        return  # already cached, or the code changed under the run: that build is stale
    _, how = seed_file(count, shape)
    _forget_builds(count, shape)
    # fold the WAL into the main file so that one file is the whole archive
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _remove_db(built)
    shutil.move(path, built)
    done.write_text(f"{how}; built by a full-rebuild row\n", encoding="utf-8")
    say(f"kept the rebuilt archive as {built.name}")


def _forget_builds(count: int, shape: data.Shape) -> None:
    """Delete built copies of this seed made by other code (each as large as the seed)."""
    for old in CACHE.glob(f"{_name(count, shape)}_built_*"):
        old.unlink(missing_ok=True)


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
        seeded, how = seed_file(count, shape)
        url = str(make_url(PG_ADMIN).set(database=seed_db).render_as_string(False))
        rows, seconds = fill_pg(seeded, url)
        CACHE.mkdir(parents=True, exist_ok=True)
        marker.write_text(
            f"copied from the SQLite seed ({how}) at {rows / seconds:,.0f} rows/s\n",
            encoding="utf-8",
        )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{work_db}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{work_db}" TEMPLATE "{seed_db}"'))
    admin.dispose()
    url = str(make_url(PG_ADMIN).set(database=work_db).render_as_string(False))
    return url, marker.read_text(encoding="utf-8").strip()


def fill_pg(seeded: Path, url: str) -> tuple[int, float]:
    """Copy a SQLite seed's rows into the empty archive at `url`; (rows, seconds).

    COPY instead of normalizing every article again. Both sides are migrated first, so
    their columns match; values go over as SQLite keeps them (datetimes as naive UTC
    text, read as UTC by this session; booleans as 0/1, which PostgreSQL accepts). Each
    table is copied in its own transaction, COPY_STREAMS at a time: after a failure the
    archive is partly filled (pg_copy starts a database without its marker over).
    """
    # migrating the seed in place changes only its schema; working copies get the same
    # migration on open anyway
    open_store(f"sqlite:///{seeded}").dispose()
    open_store(url).dispose()
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    tables = list(bulk.table_names())
    progress = _Progress()
    say(f"copying {seeded.name} into PostgreSQL…")
    total = sum(_each(tables, lambda table: _copy_table(seeded, conninfo, table, progress)))
    # what autovacuum would do in the end: fresh planner statistics and a visibility
    # map (index-only scans), so the benchmark does not depend on when it last ran; only
    # once every table is committed, or the other streams' open transactions would keep
    # the copied rows from counting as visible to all
    _each(tables, lambda table: _vacuum(conninfo, table))
    seconds = time.perf_counter() - progress.started
    say(f"copied {total:,} rows in {seconds:.0f} s ({total / seconds:,.0f}/s)")
    return total, seconds


def _each(tables: list[str], work: Callable[[str], T]) -> list[T]:
    """`work` on every table, COPY_STREAMS tables at a time, in threads; its results.

    Threads suffice: most of the work is done by the PostgreSQL backends (the client
    threads used a third of their CPU time), and worker processes measured no faster.
    """
    pool = ThreadPoolExecutor(COPY_STREAMS)
    try:
        return list(pool.map(work, tables))
    finally:
        pool.shutdown(cancel_futures=True)  # after a failure, start no further table


class _Progress:
    """Rows copied so far by all streams; a line on stderr every COPY_PROGRESS rows."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self._rows = 0
        self._lock = threading.Lock()

    def add(self, table: str, rows: int) -> None:
        """Count `rows` more rows of `table`."""
        with self._lock:
            before = self._rows
            self._rows = total = before + rows
        if total // COPY_PROGRESS > before // COPY_PROGRESS:
            rate = total / (time.perf_counter() - self.started)
            say(f"copying into PostgreSQL… {table}: {total:,} rows, {rate:,.0f}/s")


def _copy_table(seeded: Path, conninfo: str, table: str, progress: _Progress) -> int:
    """Copy one table of the seed in one transaction of its own; the rows copied."""
    with (
        closing(sqlite3.connect(f"file:{seeded}?mode=ro", uri=True)) as lite,
        psycopg.connect(conninfo) as pg,
    ):
        pg.execute("SET TIME ZONE 'UTC'")
        columns = [str(r[1]) for r in lite.execute(f'PRAGMA table_info("{table}")')]
        rebuild = _drop_indexes(pg, table)
        names = sql.SQL(", ").join(map(sql.Identifier, columns))
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)
        quoted = ", ".join(f'"{c}"' for c in columns)
        # rowid order: the order the seed wrote them, so the heap looks the same
        source = lite.execute(f'SELECT {quoted} FROM "{table}" ORDER BY rowid')
        rows = 0
        with pg.cursor() as cur, cur.copy(copy_sql) as copy:
            while batch := source.fetchmany(COPY_BATCH):
                for row in batch:
                    copy.write_row(row)
                rows += len(batch)
                progress.add(table, len(batch))
        say(f"copied {rows:,} rows of {table}; building its {len(rebuild)} indexes…")
        for statement in rebuild:
            pg.execute(statement)
        _reset_sequences(pg, table, columns)
    return rows


def _drop_indexes(pg: psycopg.Connection[TupleRow], table: str) -> list[sql.Composable]:
    """Drop a table's indexes, key constraints too; the statements that make them again.

    Building each index in one sort after the COPY beats updating it row by row (4.4
    million memberships, 11 copies of a 100,000-article seed's: 56 s instead of 143 s).
    The definitions come from the catalog, so the rebuilt schema is the migrated one.
    """
    target = sql.Identifier(table)
    keys = pg.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = quote_ident(%s)::regclass AND contype IN ('p', 'u', 'x')"
        " ORDER BY conname",
        (table,),
    ).fetchall()
    plain = pg.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE i.indrelid = quote_ident(%s)::regclass AND NOT EXISTS ("
        "  SELECT 1 FROM pg_constraint k"
        "  WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)"
        " ORDER BY c.relname",
        (table,),
    ).fetchall()
    drop_key = sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}")
    add_key = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}")
    for name, _ in keys:
        pg.execute(drop_key.format(target, sql.Identifier(name)))
    for name, _ in plain:
        pg.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    rebuild: list[sql.Composable] = [
        add_key.format(target, sql.Identifier(name), sql.SQL(definition))
        for name, definition in keys
    ]
    return rebuild + [sql.SQL(definition) for _, definition in plain]


def _vacuum(conninfo: str, table: str) -> None:
    """VACUUM (ANALYZE) one table (outside any transaction, as VACUUM must be)."""
    with psycopg.connect(conninfo, autocommit=True) as pg:
        pg.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))


def _reset_sequences(pg: psycopg.Connection[TupleRow], table: str, cols: list[str]) -> None:
    """Move any serial column's sequence past the copied keys (COPY does not advance it)."""
    for col in cols:
        row = pg.execute("SELECT pg_get_serial_sequence(%s, %s)", (table, col)).fetchone()
        if row is None or row[0] is None:
            continue
        stmt = sql.SQL(
            "SELECT setval(%s::regclass, COALESCE((SELECT max({}) FROM {}), 0) + 1, false)"
        )
        pg.execute(stmt.format(sql.Identifier(col), sql.Identifier(table)), (row[0],))
