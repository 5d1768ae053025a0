"""The /status section on partner feeds: every item preflight holds out, and feed problems."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape

from feeds.archive.engine import Store
from feeds.build import partnerfeeds
from feeds.partners import Partner
from feeds.site import Site

Rows = dict[str, list[dict[str, object]]]


def held_rows(
    store: Store, site: Site, partners: Sequence[Partner], clock: Callable[[], datetime]
) -> Rows:
    """Held items and broken feed rules of every partner feed, checked now."""
    verdicts = partnerfeeds.check_all(store, site, partners, clock())
    return {
        "held": [
            {"partner": h.partner, "feed": h.feed, "rule": h.rule, "url": h.url, "reason": h.reason}
            for v in verdicts
            for h in v.held
        ],
        "problems": [
            {"partner": p.partner, "feed": p.feed, "rule": p.rule, "reason": p.reason}
            for v in verdicts
            for p in v.problems
        ],
    }


def held_html(rows: Rows) -> str:
    """Held items per partner, then the feed rules broken."""
    if not rows["held"] and not rows["problems"]:
        return "<h2>Partner feeds</h2><p>No item held; every feed rule passes.</p>"
    items = "".join(
        f"<li><strong>{escape(str(r['partner']))}</strong> {escape(str(r['feed']))} "
        f"<code>{escape(str(r['rule']))}</code>: {escape(str(r['url']))}: "
        f"{escape(str(r['reason']))}</li>"
        for r in rows["held"]
    )
    problems = "".join(
        f"<li><strong>{escape(str(r['partner']))}</strong> {escape(str(r['feed']))} "
        f"<code>{escape(str(r['rule']))}</code>: {escape(str(r['reason']))}</li>"
        for r in rows["problems"]
    )
    return (
        f"<h2>Partner feeds: {len(rows['held'])} held items</h2><ul>{items}</ul>"
        f"<h3>Feed rules broken</h3><ul>{problems}</ul>"
    )
