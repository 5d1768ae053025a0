"""Rows over large seeded sets: full rebuilds (SQLite, PostgreSQL) and push latency by size."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench import data, push, sets, worker
from bench.table import Result, verdict

ROOT = Path(__file__).resolve().parent.parent


TARGET = "≤ 2× CPU per document, peak memory ≤ 500 MB per process"
TIMEOUT = 3600  # seconds for the whole worker (rebuild and feedgen), children included


def full_rebuild(
    label: str, url: str, shape: data.Shape, seeded: str, processes: int | None = None
) -> Result:
    """Rebuild every feed of an unbuilt archive with several worker processes; time, CPU, memory."""
    processes = processes or worker.default_processes()
    cmd = [
        *(sys.executable, "-m", "bench.worker", url),
        *(str(shape.sections), str(shape.countries), str(processes)),
    ]
    sets.say(f"{label}: rebuilding every feed in {processes} worker processes…")
    started = time.perf_counter()
    r = json.loads(_run_worker(cmd))
    sets.say(f"{label}: done in {time.perf_counter() - started:.0f} s")
    for i, part in enumerate(r["parts"]):
        sets.say(
            f"{label}: process {i} rebuilt {part['feeds']:,} feeds, "
            f"{part['documents']:,} documents, CPU {part['cpu_seconds']:.1f} s"
        )
    per_doc = r["cpu_seconds"] / max(r["documents"], 1)
    per_feedgen = r["feedgen_seconds"] / max(r["feedgen_feeds"], 1)
    ratio = per_doc / per_feedgen
    return Result(
        row=f"{label} [{r['feeds']:,} feeds, {r['documents']:,} documents; {seeded}]",
        figure=f"{r['seconds']:,.1f} s wall with {r['processes']} processes, "
        f"CPU {r['cpu_seconds']:,.1f} s ({per_doc * 1000:.2f} ms/document)"
        f"{_server_cpu(r['server_cpu_seconds'])}, peak {r['peak_mb']:.0f} MB per process",
        limit=f"feedgen RSS alone on the same articles, CPU {r['feedgen_seconds']:,.1f} s "
        f"({per_feedgen * 1000:.2f} ms per feed or page; {r['feedgen_feeds']:,} documents, "
        f"{r['feedgen_pages_sampled']:,} of {r['feedgen_pages']:,} pages sampled)",
        ratio=f"{ratio:.2f}× CPU per document",
        target=TARGET,
        verdict=verdict(ratio <= 2.0 and r["peak_mb"] <= 500),
    )


def _server_cpu(seconds: float | None) -> str:
    """The database server's CPU for the rebuild's connections, when it could be read."""
    if seconds is None:
        return ""
    return f"; PostgreSQL server CPU {seconds:,.1f} s more (not in the ratio)"


def _run_worker(cmd: list[str]) -> str:
    """The worker's stdout; on failure or timeout, its whole process group is ended."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # a session of its own: on timeout its children end with it rather than run on
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise RuntimeError(f"rebuild worker timed out after {TIMEOUT} s") from None
    if proc.returncode != 0:
        raise RuntimeError(f"rebuild worker failed: {err[-600:]}")
    return out


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
