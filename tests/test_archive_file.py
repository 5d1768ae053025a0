"""An archive file that is empty, foreign or newer is refused, never silently replaced.

Issue 17, case 7: on 7710bd8 a zero-byte archive was re-initialised as a new, empty one,
its history and dedup markers gone, and every command exited 0.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from feeds.archive import open_store
from feeds.archive.archive_file import ArchiveRefused
from scheduler.cli.base import EXIT_ARCHIVE, main
from tests.service_support import free_port, sample_config

# every command that opens the archive, with the arguments it needs
ARCHIVE_COMMANDS = [
    ["run"],
    ["serve"],
    ["ingest"],
    ["build"],
    ["sources"],
    ["feeds"],
    ["prune", "--dry-run"],
    ["unretire", "wire"],
    ["reprocess", "--dry-run"],
]


def newsfeeds(config: Path, *args: str) -> Result:
    """One CLI command, in-process."""
    return CliRunner().invoke(main, ["--config", str(config), *args])


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return sample_config(tmp_path, free_port())


@pytest.mark.parametrize("command", ARCHIVE_COMMANDS, ids=lambda c: c[0])
def test_every_command_refuses_an_empty_file_and_takes_init(
    config: Path, command: list[str]
) -> None:
    db = config.parent / "newsfeeds.db"
    db.touch()
    refused = newsfeeds(config, *command)
    assert refused.exit_code == EXIT_ARCHIVE, refused.output
    assert "is empty" in refused.output and "--init" in refused.output
    assert db.stat().st_size == 0  # left exactly as it was
    assert "--init" in newsfeeds(config, command[0], "--help").output


def test_init_starts_an_archive_in_an_empty_file(config: Path) -> None:
    db = config.parent / "newsfeeds.db"
    db.touch()
    result = newsfeeds(config, "ingest", "--init")
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] > 0
    assert newsfeeds(config, "feeds").exit_code == 0  # an archive now: no --init needed


def test_a_file_that_is_not_sqlite_is_kept_beside_the_new_archive(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    db.write_bytes(b"not a database, but someone's notes\n")
    with pytest.raises(ArchiveRefused, match="not a SQLite database"):
        open_store(f"sqlite:///{db}")
    assert db.read_bytes() == b"not a database, but someone's notes\n"
    open_store(f"sqlite:///{db}", init=True).dispose()
    (kept,) = tmp_path.glob("archive.db.not-an-archive-*")
    assert kept.read_bytes() == b"not a database, but someone's notes\n"
    assert db.read_bytes().startswith(b"SQLite format 3\x00")


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(ArchiveRefused, match=r"something else \(tables: invoices\)"):
        open_store(f"sqlite:///{db}")


def test_an_archive_from_a_newer_release_is_refused_even_with_init(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    open_store(url).dispose()
    with sqlite3.connect(tmp_path / "archive.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    for init in (False, True):
        with pytest.raises(ArchiveRefused, match="revision 9999, newer than this release"):
            open_store(url, init=init)


def test_a_damaged_schema_page_is_refused_even_with_init(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    open_store(f"sqlite:///{db}").dispose()
    with db.open("r+b") as handle:  # page 1 after the 100-byte header: sqlite_master
        handle.seek(100)
        handle.write(b"\xff" * 3000)
    for init in (False, True):
        with pytest.raises(ArchiveRefused, match="damaged"):
            open_store(f"sqlite:///{db}", init=init)
    assert not list(tmp_path.glob("*.not-an-archive-*"))  # a damaged archive is never moved


def test_a_missing_file_is_created_whole(tmp_path: Path) -> None:
    db = tmp_path / "var" / "archive.db"
    open_store(f"sqlite:///{db}").dispose()
    assert sorted(p.name for p in db.parent.iterdir()) == ["archive.db"]  # no WAL, no .new
    (db.parent / "archive.db-wal").write_bytes(b"left by a deleted archive")
    db.unlink()
    open_store(f"sqlite:///{db}").dispose()  # a journal without its database is kept apart
    (orphan,) = db.parent.glob("archive.db.orphaned-*-wal")
    assert orphan.read_bytes() == b"left by a deleted archive"
