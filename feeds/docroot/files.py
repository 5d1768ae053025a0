"""Files in the docroot, each replaced whole: temp file, fsync, mtime, rename.

A reader of the docroot (nginx) sees the old file or the new one, never a part: temp files
live in a hidden folder on the same filesystem (renames stay atomic), which nginx is told
never to serve. Siblings (`.br`, `.gz`) are replaced before the identity file, so a client
that is told a document changed finds every coding of it already new.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import secrets
import time
from collections.abc import Sequence
from pathlib import Path

import brotli

TEMP_FOLDER = ".newsfeeds-tmp"
SIBLINGS = (".br", ".gz")


def file_of(root: Path, path: str) -> Path:
    """Where a URL path lives in the docroot ('/' is index.html); refuses escapes."""
    if not path.startswith("/") or "\0" in path:
        raise ValueError(f"not a docroot path: {path!r}")
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") or p.startswith(".") for p in parts):
        raise ValueError(f"not a docroot path: {path!r}")
    if not parts or path.endswith("/"):
        parts.append("index.html")
    return root.joinpath(*parts)


def compressed(body: bytes, *, with_br: bool = True) -> tuple[bytes, bytes | None]:
    """gzip (mtime=0: the same bytes in every process) and brotli (quality 5) of a body."""
    gz = gzip.compress(body, compresslevel=5, mtime=0)
    return gz, brotli.compress(body, quality=5) if with_br else None


def mtime_of(target: Path) -> int | None:
    """A file's mtime in whole seconds, or None when it is not there."""
    try:
        return int(target.stat().st_mtime)
    except FileNotFoundError:
        return None


def publish(
    root: Path,
    path: str,
    body: bytes,
    gz: bytes | None,
    br: bytes | None,
    mtime: int,
    *,
    only_newer: bool = True,
    folders: set[Path] | None = None,
) -> bool:
    """Write a document and its siblings with this mtime; False if a newer one is there.

    A sibling given as None is removed (history pages carry no brotli), before the
    identity file is replaced, so nginx never serves a coding of another version.
    `folders`: collect the folder to fsync once for many files (sync_folders), rather
    than after each document.
    """
    target = file_of(root, path)
    there = mtime_of(target)
    if only_newer and there is not None and there > mtime:
        return False  # another process already wrote a later version
    target.parent.mkdir(parents=True, exist_ok=True)
    variants: Sequence[tuple[str, bytes | None]] = ((".br", br), (".gz", gz), ("", body))
    for suffix, data in variants:
        sibling = target.with_name(target.name + suffix)
        if data is None:
            with contextlib.suppress(FileNotFoundError):
                sibling.unlink()
        else:
            _replace(root, sibling, data, mtime)
    if folders is None:
        _sync_folder(target.parent)
    else:
        folders.add(target.parent)
    return True


def sync_folders(folders: set[Path]) -> None:
    """fsync each folder once, after a pass renamed files into them."""
    for folder in sorted(folders):
        _sync_folder(folder)


def remove(root: Path, path: str) -> bool:
    """Take a document and its siblings out of the docroot; True if anything was there."""
    target = file_of(root, path)
    found = False
    # the identity file first: with it gone nginx serves nothing of this path
    for suffix in ("", *SIBLINGS):
        with contextlib.suppress(FileNotFoundError):
            target.with_name(target.name + suffix).unlink()
            found = True
    return found


def _replace(root: Path, target: Path, data: bytes, mtime: int) -> None:
    """Write to a temp file, fsync, set the mtime, then rename over the target."""
    temp_dir = root / TEMP_FOLDER
    temp_dir.mkdir(exist_ok=True)
    temp = temp_dir / f"{target.name}.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        with open(temp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.utime(temp, (mtime, mtime))
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise


def _sync_folder(folder: Path) -> None:
    """fsync a folder, so the renames in it survive a power loss."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clear_temp(root: Path, *, older_than: float = 600.0) -> int:
    """Remove temp files left by a process killed mid-write; how many there were.

    Only old ones: another process may be writing into the same docroot right now. The
    age is the ctime, since a temp file's mtime is already set to its document's.
    """
    temp_dir = root / TEMP_FOLDER
    if not temp_dir.is_dir():
        return 0
    gone, limit = 0, time.time() - older_than
    for leftover in temp_dir.iterdir():
        with contextlib.suppress(FileNotFoundError):
            if leftover.stat().st_ctime < limit:
                leftover.unlink()
                gone += 1
    return gone
