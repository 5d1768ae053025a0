"""The SQLite archive's file, checked before it is opened, and created whole or not at all.

A missing file is created (so `make run` on a fresh clone works). A file that exists but
is empty, is not SQLite, or is another program's database is refused with a message:
opening it would silently start a new archive, losing the history and the dedup markers
of the one that should be there. `init` accepts it: an empty file is replaced, anything
else is kept beside the new archive as `<name>.not-an-archive-<UTC time>`. A damaged
archive is refused even then: it should be restored from a backup, not replaced.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

# sqlite.org/fileformat.html §1.3: every database file starts with these 16 bytes
SQLITE_HEADER = b"SQLite format 3\x00"
VERSION_TABLE = "alembic_version"  # every archive has it from its first migration
_SIDE_FILES = ("-wal", "-shm", "-journal")


class ArchiveRefused(Exception):
    """The archive cannot be opened as it is; the message says why and what to do."""


def prepare(path: Path, *, init: bool, create: Callable[[Path], None]) -> None:
    """Make `path` an archive to open: create it if missing, refuse what is not one."""
    if not path.exists():
        _create_whole(path, create)
        return
    problem, keep = _problem(path)
    if problem is None:
        return
    if not init:
        raise ArchiveRefused(
            f"{path} {problem}; refusing to start a new archive over it. Point [store] url "
            "at the right file, or give --init to start a new archive there"
            + (" (the file is kept beside it)" if keep else "")
        )
    if keep:
        aside = _move_aside(path, "not-an-archive")
        log.warning("%s %s: moved to %s; starting a new archive", path, problem, aside)
    else:
        _remove(path)
    _create_whole(path, create)


def _problem(path: Path) -> tuple[str | None, bool]:
    """(what is wrong with the file or None, whether it holds anything worth keeping)."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_HEADER))
    if not head:
        return "is empty", any(_side(path, n).exists() for n in _SIDE_FILES)
    if head != SQLITE_HEADER:
        return "is not a SQLite database", True
    tables = _tables(path)
    if not tables:
        return "is a SQLite database without any table", False
    if VERSION_TABLE not in tables:
        shown = ", ".join(sorted(tables)[:5])
        return f"is a SQLite database of something else (tables: {shown})", True
    return None, False


def _tables(path: Path) -> set[str]:
    """The tables of a SQLite file, read without writing to it; damage is refused."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return {str(name) for (name,) in rows}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ArchiveRefused(
            f"{path} is damaged ({exc}): restore it from a backup (`newsfeeds backup` makes one)"
        ) from exc


def _create_whole(path: Path, create: Callable[[Path], None]) -> None:
    """Build a new archive beside `path` and rename it into place, so a crash leaves none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if any(_side(path, n).exists() for n in _SIDE_FILES):
        # a journal without its database would be replayed into the new one: keep it apart
        aside = _move_aside(path, "orphaned")
        log.warning("journal files of a missing %s moved to %s.*", path, aside)
    building = path.with_name(path.name + ".new")
    _remove(building)
    create(building)
    with building.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(building, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power loss
    finally:
        os.close(directory)


def _side(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _remove(path: Path) -> None:
    """Delete a database file and its journal files, where they exist."""
    for suffix in ("", *_SIDE_FILES):
        _side(path, suffix).unlink(missing_ok=True)


def _move_aside(path: Path, why: str) -> Path:
    """Rename a database file and its journal files together; return the new main name."""
    aside = path.with_name(f"{path.name}.{why}-{_stamp()}")
    for suffix in ("", *_SIDE_FILES):
        if _side(path, suffix).exists():
            os.replace(_side(path, suffix), _side(aside, suffix))
    return aside


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
