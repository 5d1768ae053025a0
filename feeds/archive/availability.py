"""Archive errors that mean "cannot store now", and corruption, told apart from bugs.

A full disk, a database server that is down, or a corrupt file is the archive's state,
not the request's fault: the push API answers 503 with Retry-After for those, and a
corruption error turns `/healthz` to 503 and stops every write (feeds/archive/engine.py).
"""

from __future__ import annotations

import sqlalchemy as sa

# SQLite result codes (sqlite.org/rescode.html) and PostgreSQL SQLSTATE class XX
# (internal error: XX001 data_corrupted, XX002 index_corrupted) that mean a damaged file
_SQLITE_CORRUPT = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_PG_CORRUPT = ("XX001", "XX002")


class ArchiveCorrupt(Exception):
    """The archive reported corruption: writes are refused until it is restored."""


def is_corruption(exc: BaseException) -> bool:
    """Does this error say the archive's file or pages are damaged?"""
    if isinstance(exc, ArchiveCorrupt):
        return True
    orig = getattr(exc, "orig", None) if isinstance(exc, sa.exc.DBAPIError) else exc
    name = str(getattr(orig, "sqlite_errorname", ""))
    if name.startswith(_SQLITE_CORRUPT):
        return True
    return str(getattr(orig, "sqlstate", "") or "") in _PG_CORRUPT


def cannot_commit(exc: BaseException) -> bool:
    """Is this the archive being unable to store anything now (not a bug in the request)?"""
    return is_corruption(exc) or isinstance(
        exc, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.TimeoutError
    )


def describe(exc: BaseException) -> str:
    """A one-line reason for logs and messages, without the statement or its parameters."""
    orig = getattr(exc, "orig", None) if isinstance(exc, sa.exc.DBAPIError) else None
    text = str(orig if orig is not None else exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:300]
