"""SQLite's own consistency check over the whole archive, run in the background after start.

`PRAGMA quick_check` reads every page (a 1,000,000-article archive is 23 GB), so it never
runs before serving starts; what it finds marks the store corrupt (feeds/archive/engine.py).
"""

from __future__ import annotations

import sqlalchemy as sa

from feeds.archive import availability
from feeds.archive.engine import Store

FINDINGS = 5  # problems reported at most: the first few say enough to act on


def quick_check(store: Store) -> str | None:
    """None when SQLite finds the archive sound (or it is PostgreSQL); else its findings."""
    if not store.is_sqlite:
        return None
    try:
        with store.read() as conn:
            rows = [str(r[0]) for r in conn.exec_driver_sql(f"PRAGMA quick_check({FINDINGS})")]
    except sa.exc.DatabaseError as exc:
        if not availability.is_corruption(exc):
            raise
        return availability.describe(exc)
    return None if rows == ["ok"] else "; ".join(rows)[:500]
