"""The readers report: per feed and family, from the archive's counts over a window."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from feeds.archive import readers as rows
from feeds.archive.engine import Store
from feeds.readers.flush import latest_per_unit

_SPAN = re.compile(r"^([1-9][0-9]{0,5})([mhd])$")
_UNIT = {"m": 60, "h": 3600, "d": 86400}


def parse_since(text: str) -> timedelta:
    """ "24h", "90m", "7d" → a timedelta; anything else is a ValueError naming the value."""
    m = _SPAN.match(text.strip())
    if not m:
        raise ValueError(f"since: must be a number and m, h or d (24h, 90m, 7d), got {text!r}")
    return timedelta(seconds=int(m.group(1)) * _UNIT[m.group(2)])


def build(
    store: Store, kinds: Mapping[str, str], *, now: datetime, span: timedelta, feed: str | None
) -> dict[str, Any]:
    """The report as plain JSON-able data (the CLI, /status/readers and its JSON share it)."""
    since = now - span
    with store.read() as conn:
        hits = rows.hits_since(conn, since.replace(minute=0, second=0, microsecond=0), feed)
        subs = rows.subscribers_since(conn, since, feed)
        picks = rows.pickups_since(conn, since, feed)
    hours = max(span.total_seconds() / 3600, 1 / 60)
    by_feed: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for h in hits:
        fam = by_feed[h["feed"]].setdefault(h["family"], _empty(h["family"], kinds))
        for k in rows.HIT_COUNTS:
            fam[k] += int(h[k])
        fam["hourly"].append({"hour": h["hour"].isoformat(), "requests": int(h["requests"])})
    for (f, family, _unit), n in latest_per_unit(subs).items():
        by_feed[f].setdefault(family, _empty(family, kinds))["subscribers"] += n
    for p in picks:
        fam = by_feed[p["feed"]].setdefault(p["family"], _empty(p["family"], kinds))
        seconds = (p["first_fetch_at"] - p["changed_at"]).total_seconds()
        fam["pickups"].append({"changed_at": p["changed_at"].isoformat(), "seconds": seconds})
    feeds = [_feed(name, fams, hours) for name, fams in sorted(by_feed.items())]
    return {"since": since.isoformat(), "until": now.isoformat(), "feeds": feeds}


def _empty(family: str, kinds: Mapping[str, str]) -> dict[str, Any]:
    return {
        "family": family,
        "kind": kinds.get(family, "other"),
        **dict.fromkeys(rows.HIT_COUNTS, 0),
        "subscribers": 0,
        "hourly": [],
        "pickups": [],
    }


def _feed(name: str, fams: dict[str, dict[str, Any]], hours: float) -> dict[str, Any]:
    for fam in fams.values():
        revalidated = fam["ok"] + fam["not_modified"]
        fam["not_modified_share"] = (
            round(fam["not_modified"] / revalidated, 4) if revalidated else None
        )
        fam["polls_per_hour"] = round(fam["requests"] / hours, 2)
        seconds = [p["seconds"] for p in fam["pickups"]]
        fam["median_pickup_seconds"] = statistics.median(seconds) if seconds else None
    ordered = sorted(fams.values(), key=lambda f: (-f["requests"], f["family"]))
    return {
        "feed": name,
        "subscribers": sum(f["subscribers"] for f in ordered),
        "requests": sum(f["requests"] for f in ordered),
        "families": ordered,
    }
