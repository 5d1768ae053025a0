"""Serving with reader analytics on and off: the hot path may slow by at most 5 %.

Both servers run at once on the same core (each pinned like the serving rows); wrk then
measures them in turn, on, off, on, off …, five runs each, so a change in the machine's load
hits both alike. The row gives the medians, their spread (min–max) and the difference.
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
from pathlib import Path

from bench import serving, tools
from bench.table import Result, verdict

TARGET = "analytics on ≥ 0.95× off (median req/s)"
RUNS = 5
FEEDLY = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 134 subscribers; )"


def run(seconds: int) -> list[Result]:
    """Two rows: a 200 (gzip) and a 304, each on against off."""
    rows = ("serving 200 gzip, analytics on vs off", "serving 304, analytics on vs off")
    why = tools.ensure("wrk")
    if why:
        return [Result.skipped(r, TARGET, why) for r in rows]
    with tempfile.TemporaryDirectory(prefix="bench-readers-") as tmp:
        work = Path(tmp)
        store_url, doc, items = serving.build_archive(work)
        bases = {}
        with contextlib.ExitStack() as stack:
            for mode in ("on", "off"):
                port = serving.free_port()
                (work / mode).mkdir()
                config = serving.write_config(work / mode, store_url, port, items)
                if mode == "off":
                    config.write_text(
                        config.read_text(encoding="utf-8") + "\n[analytics]\nenabled = false\n",
                        encoding="utf-8",
                    )
                bases[mode] = stack.enter_context(serving.newsfeeds_server(config, port))
            loads = _alternate(bases, doc.body, seconds)
    return [_row(rows[0], loads, 0), _row(rows[1], loads, 1)]


def _alternate(
    bases: dict[str, str], body: bytes, seconds: int
) -> dict[str, list[tuple[tools.Load, tools.Load]]]:
    """RUNS alternating (200, 304) measurements of each server."""
    url = {mode: base + serving.PATH for mode, base in bases.items()}
    etag = {mode: serving.gzip_etag(u, body) for mode, u in url.items()}
    loads: dict[str, list[tuple[tools.Load, tools.Load]]] = {"on": [], "off": []}
    for _ in range(RUNS):
        for mode in ("on", "off"):
            headers = {"Accept-Encoding": "gzip", "User-Agent": FEEDLY}
            full = tools.wrk(url[mode], headers, seconds=seconds)
            cond = tools.wrk(url[mode], {**headers, "If-None-Match": etag[mode]}, seconds=seconds)
            loads[mode].append((full, cond))
    return loads


def _row(name: str, loads: dict[str, list[tuple[tools.Load, tools.Load]]], which: int) -> Result:
    on = [run[which].rps for run in loads["on"]]
    off = [run[which].rps for run in loads["off"]]
    ratio = statistics.median(on) / statistics.median(off)
    errors = sum(run[which].errors for mode in loads.values() for run in mode)
    return Result(
        row=name + " (shared, loaded machine: see spread)",
        figure=f"on {statistics.median(on):,.0f} req/s ({min(on):,.0f}–{max(on):,.0f})"
        + (f", {errors} errors" if errors else ""),
        limit=f"off {statistics.median(off):,.0f} req/s ({min(off):,.0f}–{max(off):,.0f})",
        ratio=f"{ratio:.3f}× ({(ratio - 1) * 100:+.1f} %)",
        target=TARGET,
        verdict=verdict(ratio >= 0.95 and errors == 0),
    )
