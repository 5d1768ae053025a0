"""/status/readers: the readers report as a phone-friendly HTML page with SVG charts."""

from __future__ import annotations

from html import escape
from typing import Any

from feeds.readers.charts import colour, pickup_chart, requests_chart

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0 auto;padding:0 12px;max-width:1100px}"
    ".chart{width:100%;height:auto;max-width:600px;display:block}"
    ".scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;font-size:14px}"
    "td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}"
    "td:first-child,th:first-child{text-align:left}.key{display:inline-block;width:10px;"
    "height:10px;margin-right:4px}section{margin-bottom:28px}"
)
COLUMNS = ("subscribers", "requests", "polls_per_hour", "not_modified_share", "bytes")


def cell(column: str, value: Any) -> str:
    """A table cell: — for nothing, a percentage for the 304 share."""
    if value is None:
        return "—"
    return f"{value:.0%}" if column == "not_modified_share" else str(value)


def _table(families: list[dict[str, Any]]) -> str:
    head = "".join(
        f"<th>{h}</th>"
        for h in ("family", "kind", "subscribers", "requests", "polls/h", "304", "bytes", "pickup")
    )
    trs = []
    for n, f in enumerate(families):
        pickup = f["median_pickup_seconds"]
        tds = "".join(f"<td>{escape(cell(c, f[c]))}</td>" for c in COLUMNS)
        trs.append(
            f'<tr><td><span class="key" style="background:{colour(n)}"></span>'
            f"{escape(f['family'])}</td><td>{escape(f['kind'])}</td>{tds}"
            f"<td>{'—' if pickup is None else f'{pickup:.0f} s'}</td></tr>"
        )
    return f'<div class="scroll"><table><tr>{head}</tr>{"".join(trs)}</table></div>'


def readers_html(report: dict[str, Any], *, enabled: bool = True) -> str:
    """The whole page."""
    if not enabled:
        body = "<p>Analytics are off (<code>[analytics] enabled = false</code>).</p>"
    elif not report["feeds"]:
        body = "<p>No feed requests counted in this window.</p>"
    else:
        body = "".join(_section(f) for f in report["feeds"])
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Who reads us</title><style>{_STYLE}</style></head><body>"
        f"<h1>Who reads us</h1><p>{escape(report['since'])} to {escape(report['until'])}</p>"
        f"{body}</body></html>"
    )


def _section(feed: dict[str, Any]) -> str:
    fams = feed["families"]
    return (
        f"<section><h2>{escape(feed['feed'])}</h2>"
        f"<p>{feed['subscribers']} subscribers, {feed['requests']} requests</p>"
        f"{_table(fams)}<h3>Requests per hour</h3>{requests_chart(fams)}"
        f"<h3>Pickup latency per story</h3>{pickup_chart(fams)}</section>"
    )
