"""Load: hundreds of pollers against the running service while it ingests and rebuilds."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

from soak import producers, upstream
from soak.figures import Figure, measured, zero
from soak.service import ROOT, Setup, free_port, running

PHASE = "load"


def feed_paths(base: str) -> list[str]:
    """Every feed document the index page links to."""
    with urllib.request.urlopen(base + "/", timeout=10) as resp:
        page = resp.read().decode()
    return sorted(
        set(re.findall(re.escape(base) + r"(/feeds/[^\"'<> ]+\.(?:rss|atom|json))", page))
    )


def _produce(setup: Setup, ledger: producers.Ledger, stop: threading.Event) -> None:
    """Keep ingestion busy: a drop file and a push every half second."""
    while not stop.wait(0.5):
        producers.drop(setup.drop, ledger)
        producers.push(setup.base, ledger)


def run(work: Path, *, seconds: int, connections: int, seed: int) -> list[Figure]:
    """Start the service, load it from a separate process, and report the figures."""
    with upstream.serving(seed) as up:
        setup = Setup(
            work,
            free_port(),
            work / "load.db",
            sources=f'\n[[sources]]\nid = "live-wire"\nkind = "feed"\nurl = "{up.base}/wire.rss"'
            '\ninterval_seconds = 2\nsection = "world"\n',
            env={"SOAK_API_TOKENS": producers.API_TOKEN},
        )
        with running(setup) as proc:
            paths = feed_paths(setup.base)
            ledger, stop = producers.Ledger(), threading.Event()
            feeder = threading.Thread(target=_produce, args=(setup, ledger, stop), daemon=True)
            feeder.start()
            args = {
                "host": "127.0.0.1",
                "port": setup.port,
                "seconds": seconds,
                "connections": connections,
                "paths": paths,
            }
            try:
                out = subprocess.run(
                    [sys.executable, "-m", "soak.loadclient", json.dumps(args)],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=seconds + 120,
                )
            finally:
                stop.set()
                feeder.join(15)
            alive = proc.poll() is None
    if out.returncode != 0:
        raise RuntimeError(f"load client failed: {out.stderr[-2000:]}")
    return figures(json.loads(out.stdout), len(paths), connections, seconds, ledger, alive)


def figures(
    r: dict[str, Any],
    paths: int,
    connections: int,
    seconds: int,
    ledger: producers.Ledger,
    alive: bool,
) -> list[Figure]:
    """The load rows of the report."""
    errors: dict[str, int] = r["errors"]
    statuses: dict[str, int] = r["statuses"]
    kinds: dict[str, int] = r["kinds"]
    requests = int(r["requests"])
    mix = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    codes = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    return [
        measured(PHASE, "concurrent connections", connections, "≥ 256", lambda v: v >= 256),
        measured(
            PHASE,
            "duration (s)",
            float(r["seconds"]),
            f"≥ {seconds}",
            lambda v: v >= seconds * 0.99,
        ),
        Figure(
            PHASE,
            "requests served",
            requests,
            "",
            None,
            f"{requests / seconds:,.0f} req/s; "
            f"{paths} feed documents; mix: {mix}; statuses: {codes}",
        ),
        zero(PHASE, "errors", sum(errors.values()))
        if not errors
        else Figure(PHASE, "errors", sum(errors.values()), "0", False, str(errors)),
        measured(PHASE, "p50 latency (ms)", float(r["p50_ms"]), "-", None),
        measured(PHASE, "p99 latency (ms)", float(r["p99_ms"]), "≤ 1000", lambda v: v <= 1000),
        Figure(
            PHASE,
            "incomplete or ETag-mismatched bodies",
            int(r["bad_documents"]),
            "0",
            r["bad_documents"] == 0,
            "; ".join(r["bad_examples"])
            or f"{r['distinct_documents']} distinct documents parsed whole, every body hashed",
        ),
        measured(
            PHASE,
            "articles ingested during load",
            len(ledger.pushed) + ledger.next_n // 2,
            "> 0",
            lambda v: v > 0,
        ),
        Figure(PHASE, "service alive after load", "yes" if alive else "no", "yes", alive),
    ]
