"""A CMS's own guid (push API, drop folder): honoured at first sight, never changed or shared."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.engine import Connection

from feeds.archive import archived
from sources.model.raw import RawItem


def guid_refusal(
    conn: Connection, taken: Mapping[str, str], raw: RawItem, stored: archived.Stored | None
) -> str | None:
    """Why a given guid cannot be this article's, or None (none given, or it is).

    `taken` holds the guids the batch gave so far (guid -> article id).
    """
    if not raw.guid:
        return None
    if stored is not None:
        if raw.guid == stored.guid:
            return None
        return (
            f"guid {raw.guid!r}: the article was first published as {stored.guid!r}, "
            "and a guid never changes"
        )
    owner = taken.get(raw.guid) or archived.guid_owner(conn, raw.guid)
    return f"guid {raw.guid!r} is already another article's ({owner})" if owner else None
