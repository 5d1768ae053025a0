"""Small server-rendered SVG charts: requests per hour per family, pickup latency per story."""

from __future__ import annotations

from html import escape
from typing import Any

W, H, PAD = 600, 180, 30
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def colour(n: int) -> str:
    """The nth family's colour (the legend and both charts agree)."""
    return PALETTE[n % len(PALETTE)]


def _svg(label: str, body: str) -> str:
    # viewBox + width 100 %: the chart scales to a phone's width instead of overflowing
    return (
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - 5}" y2="{H - PAD}" stroke="#999"/>'
        f'<line x1="{PAD}" y1="5" x2="{PAD}" y2="{H - PAD}" stroke="#999"/>{body}</svg>'
    )


def _x(i: int, n: int) -> float:
    if n == 1:  # one hour or one story: in the middle, not on the axis
        return PAD + (W - PAD - 10) / 2
    return PAD + (W - PAD - 10) * (i / (n - 1))


def _y(v: float, top: float) -> float:
    return H - PAD - (H - PAD - 10) * (v / top if top else 0)


def requests_chart(families: list[dict[str, Any]]) -> str:
    """One polyline per family over the hours any family was counted in."""
    hours = sorted({h["hour"] for f in families for h in f["hourly"]})
    top = max((h["requests"] for f in families for h in f["hourly"]), default=0)
    lines = []
    for n, fam in enumerate(families):
        per = {h["hour"]: h["requests"] for h in fam["hourly"]}
        xy = [(_x(i, len(hours)), _y(per.get(h, 0), top)) for i, h in enumerate(hours)]
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        title = f"<title>{escape(fam['family'])}</title>"
        lines.append(
            f'<polyline fill="none" stroke="{colour(n)}" stroke-width="2" points="{pts}">'
            f"{title}</polyline>"
        )
        # a mark per hour: a single hour draws no line, and marks show where counts are
        lines.extend(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour(n)}">{title}</circle>'
            for x, y in xy
        )
    axis = f'<text x="2" y="14" font-size="11">{top}</text>'
    return _svg("requests per hour per family", axis + "".join(lines))


def pickup_chart(families: list[dict[str, Any]]) -> str:
    """A dot per story and family: how long the change took to be fetched."""
    stories = sorted({p["changed_at"] for f in families for p in f["pickups"]})
    top = max((p["seconds"] for f in families for p in f["pickups"]), default=0.0)
    index = {s: i for i, s in enumerate(stories)}
    dots = []
    for n, fam in enumerate(families):
        for p in fam["pickups"]:
            cx, cy = _x(index[p["changed_at"]], len(stories)), _y(p["seconds"], top)
            dots.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{colour(n)}">'
                f"<title>{escape(fam['family'])}: {p['seconds']:.0f} s</title></circle>"
            )
    axis = f'<text x="2" y="14" font-size="11">{top:.0f} s</text>'
    return _svg("pickup latency per story", axis + "".join(dots))
