"""The one wall clock of the service; everything below it takes `now` as an argument."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, aware UTC."""
    return datetime.now(UTC)
