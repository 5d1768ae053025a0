"""Rows over large seeded sets: full rebuilds (SQLite, PostgreSQL) and push latency by size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import data, push, sets
from bench.table import Result, verdict

ROOT = Path(__file__).resolve().parent.parent


def full_rebuild(label: str, url: str, shape: data.Shape, seeded: str) -> Result:
    """Rebuild every feed of an unbuilt archive in a worker process; time and peak memory."""
    cmd = [sys.executable, "-m", "bench.worker", url, str(shape.sections), str(shape.countries)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sets.say(f"{label}: rebuilding every feed in a worker process…")
    started = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"rebuild worker failed: {out.stderr[-600:]}")
    r = json.loads(out.stdout)
    sets.say(f"{label}: done in {time.perf_counter() - started:.0f} s")
    per_doc = r["seconds"] / max(r["documents"], 1)
    per_feedgen = r["feedgen_seconds"] / max(r["feedgen_feeds"], 1)
    ratio = per_doc / per_feedgen
    return Result(
        row=f"{label} [{r['feeds']:,} feeds, {r['documents']:,} documents; {seeded}]",
        figure=f"{r['seconds']:.1f} s ({per_doc * 1000:.2f} ms/document), "
        f"peak {r['peak_mb']:.0f} MB",
        limit=f"feedgen RSS alone on the same articles {r['feedgen_seconds']:.1f} s "
        f"({per_feedgen * 1000:.2f} ms per feed or page; {r['feedgen_feeds']:,} documents, "
        f"{r['feedgen_pages_sampled']:,} of {r['feedgen_pages']:,} pages sampled)",
        ratio=f"{ratio:.2f}× per document",
        target="≤ 2×, peak memory ≤ 500 MB",
        verdict=verdict(ratio <= 2.0 and r["peak_mb"] <= 500),
    )


def push_at(count: int, shape: data.Shape, work: Path, samples: int) -> push.PushTimes:
    """Push latency on a built archive of `count` articles (built once, then cached)."""
    work.mkdir(parents=True, exist_ok=True)
    url, _ = sets.sqlite_built(count, shape, work)
    sets.say(f"pushing {samples} articles into the {count:,}-article archive…")
    return push.measure(url, shape, work, samples, first_index=count)


def push_ratio_row(big: int, small: int, big_t: push.PushTimes, small_t: push.PushTimes) -> Result:
    """The same push latency at `big` articles against `small`."""
    ratio = big_t.median() / small_t.median()
    return Result(
        row=f"push (POST /api/articles) → new bytes served, {big:,} articles",
        figure=f"median {big_t.median() * 1000:.0f} ms, p99 {big_t.p99() * 1000:.0f} ms",
        limit=f"{small:,} articles: median {small_t.median() * 1000:.0f} ms, "
        f"p99 {small_t.p99() * 1000:.0f} ms",
        ratio=f"{ratio:.2f}×",
        target="≤ 1.5×",
        verdict=verdict(ratio <= 1.5),
    )
