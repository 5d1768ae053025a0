"""Relative paths in config.toml resolve from the config file's folder, never the cwd.

So `newsfeeds --config /srv/news/config.toml` run from anywhere finds the archive, drop
folders and local feeds beside that file (DESIGN.md, command line).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


def local_path(value: str, base: Path) -> str:
    """A path as configured, made absolute against the config file's folder."""
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else base / path)


def is_local(url: str) -> bool:
    """True for a source `url` that names a local file or folder rather than a URL."""
    return bool(url) and "://" not in url


def store_url(url: str, base: Path) -> str:
    """A SQLite URL's relative file path made absolute; other URLs as they are."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # reported as it is by whoever opens it
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return url
    if database.startswith("file:"):  # a SQLite URI filename (?uri=true) is left alone
        return url
    resolved = parsed.set(database=local_path(database, base))
    return resolved.render_as_string(hide_password=False)
