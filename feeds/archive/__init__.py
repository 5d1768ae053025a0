"""The archive: the only place that speaks SQL (SQLAlchemy Core, SQLite or PostgreSQL)."""

from feeds.archive.engine import Store, open_store

__all__ = ["Store", "open_store"]
