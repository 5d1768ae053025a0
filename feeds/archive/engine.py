"""Open the archive: engine, SQLite pragmas, and migrations to the newest schema."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import make_url

from feeds.archive import archive_file, availability, bounded
from feeds.archive.archive_file import ArchiveRefused
from feeds.archive.availability import ArchiveCorrupt
from feeds.archive.pgconnect import StoreSettings, pg_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)


class Store:
    """A handle on the archive; every write runs in one short transaction.

    Once any statement reports corruption (or the background integrity check finds it),
    `corruption` says what, `/healthz` answers 503 and every write is refused: writing
    more into a damaged file can only spread the damage.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.corruption: str | None = None

    def mark_corrupt(self, reason: str) -> None:
        """Record that the archive is damaged: from now on writes are refused."""
        if self.corruption is None:
            self.corruption = reason
            log.error("the archive is corrupt (%s): writes refused; restore a backup", reason)

    @contextmanager
    def _watched(self) -> Iterator[None]:
        """Notice corruption in whatever runs inside (the error still propagates)."""
        try:
            yield
        except Exception as exc:
            if availability.is_corruption(exc):
                self.mark_corrupt(availability.describe(exc))
            raise

    @contextmanager
    def begin(self, *, durable: bool = False, derived: bool = False) -> Iterator[Connection]:
        """A write transaction; `durable` forces a full fsync on SQLite (push-API promises).

        `derived` marks a transaction that writes only what can be made again from the
        archive (a rebuild's documents and its built mark): on PostgreSQL its commit does not
        wait for the WAL flush, as SQLite's synchronous=NORMAL never does.
        """
        if self.corruption is not None:
            raise ArchiveCorrupt(self.corruption)
        with self._watched(), self.engine.connect() as conn:
            if self.is_sqlite and durable:
                conn.exec_driver_sql("PRAGMA synchronous=FULL")
                conn.commit()
            try:
                with conn.begin():
                    if self.is_sqlite:
                        # BEGIN IMMEDIATE takes the write lock up front, so two writers
                        # queue on busy_timeout instead of failing mid-transaction.
                        conn.exec_driver_sql("BEGIN IMMEDIATE")
                    elif derived:
                        # a server crash may lose the last such commits, and with them
                        # the built mark: the feed stays dirty and is rebuilt to the same
                        # bytes (no speed-up could be measured on the bench's 5,000 set)
                        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                    yield conn
            finally:
                if self.is_sqlite and durable:
                    conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
                    conn.commit()

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read transaction: on SQLite every statement in it sees the same snapshot.

        It takes no write lock (WAL), so rendering from it never holds up writers. On
        PostgreSQL it is a READ COMMITTED transaction, as rebuilds there always were.
        """
        with self._watched(), self.engine.connect() as conn, conn.begin():
            if self.is_sqlite:
                conn.exec_driver_sql("BEGIN")
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only connection."""
        with self._watched(), self.engine.connect() as conn:
            yield conn

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers go on while one writer commits; NORMAL is safe against kill -9
    # (not power loss), which is why push-API writes ask for FULL (DESIGN.md, SQLite).
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str, settings: StoreSettings | None = None) -> Engine:
    """Create an engine for a SQLAlchemy URL, preparing SQLite's file and pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "isolation_level": None}
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is off (isolation_level=None): we issue BEGIN.
        sa.event.listen(engine, "begin", lambda conn: None)
        return engine
    return pg_engine(url, settings or StoreSettings())


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest numbered migration (Alembic), on any engine."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # a migration may rewrite a big table: no statement timeout, no round-trip bound
            conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
            bounded.lift(conn)
            # one migrator at a time when several processes start together
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727401)")
        else:
            # SQLite has transactional DDL, but pysqlite opens no transaction by itself:
            # without this, a kill mid-migration could leave half a schema behind
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        cfg.attributes["connection"] = conn
        _refuse_unknown_revision(conn, cfg)
        command.upgrade(cfg, "head")


def _refuse_unknown_revision(conn: Connection, cfg: AlembicConfig) -> None:
    """An archive migrated by a newer release cannot be brought "up" to ours: say so."""
    current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        return
    scripts = ScriptDirectory.from_config(cfg)
    try:
        scripts.get_revision(current)
    except CommandError as exc:
        raise ArchiveRefused(
            f"the archive's schema is at revision {current}, newer than this release knows "
            f"(newest {scripts.get_current_head()}): run the release that wrote it"
        ) from exc


def open_store(
    url: str,
    *,
    run_migrations: bool = True,
    init: bool = False,
    settings: StoreSettings | None = None,
) -> Store:
    """Open (and create or migrate) the archive at a SQLAlchemy URL.

    A SQLite file is checked first (feeds/archive/archive_file.py): a missing one is
    created, an empty or foreign one refused unless `init`. A damaged archive, or one from
    a newer release, raises ArchiveRefused with a message for the operator.
    """
    parsed = make_url(url)
    database = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if run_migrations and database and database != ":memory:":
        archive_file.prepare(Path(database), init=init, create=_create_sqlite)
    engine = make_engine(url, settings)
    if run_migrations:
        try:
            migrate(engine)
        except sa.exc.DatabaseError as exc:
            engine.dispose()
            if not availability.is_corruption(exc):
                raise
            raise ArchiveRefused(
                f"the archive is damaged ({availability.describe(exc)}): restore a backup"
            ) from exc
    return Store(engine)


def _create_sqlite(path: Path) -> None:
    """A new, migrated archive in one self-contained file (no WAL left beside it)."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    finally:
        engine.dispose()
