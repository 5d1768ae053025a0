"""/status as a dashboard: health in colour and words, freshness, charts, guard and queues."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from html import escape
from typing import Any

from feeds.http import held as held_items

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0 auto;padding:0 12px;max-width:1100px}"
    ".scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;font-size:14px}"
    "td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
    ".badge{display:inline-block;padding:1px 6px;border-radius:4px;color:#fff;"
    "white-space:nowrap}.ok{background:#1a7f37}.failing{background:#b42318}"
    ".retired{background:#555}.unpolled{background:#6b4e00}.err{max-width:28em;"
    "overflow-wrap:anywhere}.spark{width:120px;height:28px;display:block}"
    "li{overflow-wrap:anywhere}"
)
_WORDS = {"ok": "ok", "failing": "failing", "retired": "retired", "unpolled": "not polled yet"}
_UNITS = ((86400, "d"), (3600, "h"), (60, "min"))


def ago(when: datetime, now: datetime) -> str:
    """A time as people say it: "3 min ago", "in 2 h", "just now"."""
    seconds = int((now - when).total_seconds())
    span = abs(seconds)
    if span < 60:
        return "just now"
    size, unit = next((s, u) for s, u in _UNITS if span >= s)
    amount = f"{span // size} {unit}"
    return f"{amount} ago" if seconds > 0 else f"in {amount}"


def stamp(iso: object, now: datetime) -> str:
    """A <time> in human form with the exact UTC value on hover; — for none."""
    if not iso:
        return "—"
    when = datetime.fromisoformat(str(iso)).astimezone(UTC)
    exact = when.strftime("%Y-%m-%d %H:%M:%S UTC")
    return f'<time datetime="{when.isoformat()}" title="{exact}">{ago(when, now)}</time>'


def badge(row: dict[str, Any], now: datetime) -> str:
    """The source's health in colour and words."""
    state = str(row["state"])
    words = _WORDS.get(state, state)
    if state == "failing":
        since = row["failing_since"]
        words += f" since {stamp(since, now)}" if since else " (never succeeded)"
        words += f", {row['consecutive_failures']} polls in a row"
    return f'<span class="badge {escape(state)}">{words}</span>'


def spark(row: dict[str, Any], now: datetime) -> str:
    """Bars of articles first seen per hour over the last day; failing hours tinted red."""
    counts: list[int] = list(row["seen_per_hour"])
    if not counts:
        return "—"
    n, top = len(counts), max(counts) or 1
    width = 120 / n
    failing_from = n
    if row["state"] == "failing" and row["failing_since"]:
        since = datetime.fromisoformat(str(row["failing_since"]))
        # hour i covers (now - n + i h, now - n + i + 1 h]: shade every one the failure touches
        failing_from = max(0, n - math.ceil((now - since).total_seconds() / 3600))
    elif row["state"] == "failing":
        failing_from = 0
    shade = (
        f'<rect x="{failing_from * width:.1f}" y="0" width="{(n - failing_from) * width:.1f}" '
        'height="28" fill="#fde2e1"/>'
        if failing_from < n
        else ""
    )
    bars = "".join(
        f'<rect x="{i * width + 0.5:.1f}" y="{28 - 26 * c / top:.1f}" '
        f'width="{width - 1:.1f}" height="{26 * c / top:.1f}" fill="#1f77b4"/>'
        for i, c in enumerate(counts)
        if c
    )
    label = f"{sum(counts)} new articles in the last {n} h"
    if failing_from < n:
        label += f", failing for the last {n - failing_from} h"
    return (
        f'<svg class="spark" viewBox="0 0 120 28" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>{shade}{bars}'
        '<line x1="0" y1="27.5" x2="120" y2="27.5" stroke="#999"/></svg>'
    )


def _source_row(r: dict[str, Any], now: datetime) -> str:
    error = escape(str(r["last_error"])) if r["last_error"] else "—"
    return (
        f"<tr><td><strong>{escape(str(r['id']))}</strong><br>{escape(str(r['kind']))}</td>"
        f"<td>{badge(r, now)}</td><td>{stamp(r['newest_article'], now)}</td>"
        f"<td>{spark(r, now)}</td><td>{stamp(r['last_attempt'], now)}</td>"
        f"<td>{stamp(r['last_success'], now)}</td><td>{stamp(r['next_due'], now)}</td>"
        f'<td class="err">{error}</td></tr>'
    )


def sources_html(rows: list[dict[str, Any]], now: datetime) -> str:
    """The sources table, in a box of its own that scrolls sideways on a phone."""
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "source",
            "health",
            "newest article",
            "new per hour, 24 h",
            "last poll",
            "last success",
            "next poll",
            "last error",
        )
    )
    counts = {s: sum(1 for r in rows if r["state"] == s) for s in _WORDS}
    summary = ", ".join(f"{n} {_WORDS[s]}" for s, n in counts.items() if n)
    trs = "".join(_source_row(r, now) for r in rows)
    return (
        f"<h2>Sources</h2><p>{len(rows)} sources: {summary or 'none configured'}.</p>"
        f'<div class="scroll" tabindex="0" role="region" aria-label="Sources">'
        f"<table><tr>{head}</tr>{trs}</table></div>"
    )


def guard_html(held: list[dict[str, Any]], refusals: list[dict[str, Any]], now: datetime) -> str:
    """Feeds the publish guard holds at their last good document, then its recent refusals."""
    if not refusals:
        return "<h2>Publish guard</h2><p>No refusals: no feed held back.</p>"
    feeds = ", ".join(escape(str(h["feed"])) for h in held) or "none in the last day"
    items = "".join(
        f"<li><strong>{escape(str(r['feed']))}</strong> {stamp(r['at'], now)}: "
        f"{escape(str(r['message']))}</li>"
        for r in refusals
    )
    return (
        f"<h2>Publish guard</h2><p>Held back in the last day: {feeds}.</p>"
        f"<h3>Recent refusals</h3><ul>{items}</ul>"
    )


def status_html(report: dict[str, Any], now: datetime) -> str:
    """The whole page."""
    queues = report["queues"]
    exact = now.strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Source status</title><style>{_STYLE}</style></head><body>"
        f"<h1>Source status</h1><p>As of {exact}. "
        '<a href="/status/readers">Who reads us</a> · <a href="/status.json">JSON</a></p>'
        f"{sources_html(report['sources'], now)}"
        f"{guard_html(report['held_feeds'], report['publish_guard_refusals'], now)}"
        f"{held_items.held_html(report['partner_feeds'])}"
        f"<h2>Queues</h2><p>WebSub pings waiting: {queues['websub']}. "
        f"CDN purges waiting: {queues['purge']}.</p></body></html>"
    )
