"""Probed image sizes (migration 0011), one row per image URL, so each image is probed once.

A failed probe is kept too (width and height empty, the error said), so a broken or hostile
image server is not asked again on every pass: it is asked again after RETRY_FAILED, as a
timeout may pass; meanwhile the item stays held as image-size-pending.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.tables import metadata
from feeds.archive.utctype import UTCDateTime

image_sizes = sa.Table(
    "image_sizes",
    metadata,
    sa.Column("url_hash", sa.String(64), primary_key=True),  # URLs are too long to index
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("width", sa.Integer, nullable=True),
    sa.Column("height", sa.Integer, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("probed_at", UTCDateTime, nullable=False),
)
RETRY_FAILED = timedelta(days=1)


def _hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def probed(
    conn: Connection, urls: Iterable[str], failed_since: datetime | None = None
) -> dict[str, tuple[int, int] | None]:
    """Each of these URLs that was probed: its size, or None when the probe failed (only
    failures at or after `failed_since`, when given: older ones are due again)."""
    by_hash = {_hash(u): u for u in urls}
    found: dict[str, tuple[int, int] | None] = {}
    hashes = sorted(by_hash)
    for start in range(0, len(hashes), 500):  # bounded IN lists for both engines
        rows = conn.execute(
            sa.select(
                image_sizes.c.url_hash,
                image_sizes.c.width,
                image_sizes.c.height,
                image_sizes.c.probed_at,
            ).where(image_sizes.c.url_hash.in_(hashes[start : start + 500]))
        )
        for row in rows:
            size = (row.width, row.height) if row.width and row.height else None
            if size is None and failed_since is not None and row.probed_at < failed_since:
                continue
            found[by_hash[row.url_hash]] = size
    return found


def record(
    conn: Connection,
    url: str,
    size: tuple[int, int] | None,
    error: str | None,
    now: datetime,
) -> None:
    """Store one probe's result (replacing an earlier one for the URL)."""
    key = _hash(url)
    conn.execute(image_sizes.delete().where(image_sizes.c.url_hash == key))
    width, height = size if size is not None else (None, None)
    conn.execute(
        image_sizes.insert().values(
            url_hash=key, url=url, width=width, height=height, error=error, probed_at=now
        )
    )
