"""Why the archive could not be opened, said in one line (never the driver's traceback)."""

from __future__ import annotations

from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import ArgumentError

from feeds.archive.availability import describe


def where(url: str) -> str:
    """The archive's URL without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the configured store.url"


def cannot_open(url: str, exc: BaseException, connect_timeout_seconds: int) -> str:
    """Why the archive could not be opened, for an operator starting a command."""
    return (
        f"cannot open the archive at {where(url)}: {describe(exc)} "
        f"(store.connect_timeout_seconds = {connect_timeout_seconds})"
    )
