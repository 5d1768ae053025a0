"""Faults: misbehaving upstreams, a full disk under the archive, and seeded SIGKILLs."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from soak import producers, upstream
from soak.figures import Figure, measured
from soak.service import ROOT, Setup, free_port, get, peak_rss_mb, start, stop, wait_ready

PHASE = "faults"
MEMORY_TARGET_MB = 400


@dataclass
class Probe:
    """Polls the service while faults go on: every miss is a moment it was not serving."""

    base: str
    pid: int
    tries: int = 0
    misses: int = 0
    peak_mb: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.wait(0.25):
            self.tries += 1
            ok = get(self.base + "/feeds/latest.json", timeout=5) == 200
            self.misses += 0 if ok else 1
            self.peak_mb = max(self.peak_mb, peak_rss_mb(self.pid))

    def __enter__(self) -> Probe:
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)


def fault_sources(base: str) -> str:
    """One [[sources]] table per upstream fault, polled every second."""
    return "".join(
        f'\n[[sources]]\nid = "fault-{f}"\nkind = "feed"\nurl = "{base}/{f}"\n'
        'interval_seconds = 1\nsection = "world"\n'
        for f in upstream.FAULTS
    )


def produce_while(setup: Setup, ledger: producers.Ledger, seconds: float) -> None:
    """Drop files and push articles for `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        producers.drop(setup.drop, ledger)
        producers.push(setup.base, ledger, timeout=5)
        time.sleep(0.2)


def upstream_faults(work: Path, seconds: float, seed: int) -> list[Figure]:
    """Every fault upstream polled every second while articles flow in and pollers poll."""
    with upstream.serving(seed) as up:
        up.bomb = upstream._bomb()
        setup = Setup(
            work,
            free_port(),
            work / "faults.db",
            sources=fault_sources(up.base),
            env={"SOAK_API_TOKENS": producers.API_TOKEN},
        )
        proc = start(setup)
        ledger = producers.Ledger()
        try:
            wait_ready(setup, proc)
            with Probe(setup.base, proc.pid) as probe:
                produce_while(setup, ledger, seconds)
            alive = proc.poll() is None
        finally:
            stop(proc)
        counts = dict(up.counts)
    producers.settled_drops(setup.drop, ledger)
    audit = producers.audit(setup.store_path, ledger)
    per_kind = ", ".join(f"{k} {counts.get(k, 0)}" for k in upstream.FAULTS)
    return [
        measured(
            PHASE,
            "upstream faults injected",
            sum(counts.values()),
            "every kind > 0",
            lambda _: all(counts.get(k, 0) > 0 for k in upstream.FAULTS),
        ),
        Figure(PHASE, "upstream faults by kind", per_kind),
        Figure(
            PHASE,
            "serving during upstream faults",
            f"{probe.tries - probe.misses}/{probe.tries}",
            "always",
            probe.misses == 0 and alive and probe.tries > 0,
        ),
        measured(
            PHASE,
            "memory high-water (MB)",
            probe.peak_mb,
            f"≤ {MEMORY_TARGET_MB}",
            lambda v: 0 < v <= MEMORY_TARGET_MB,
        ),
        *_audit_rows("upstream faults", audit),
    ]


def _audit_rows(what: str, audit: producers.Audit) -> list[Figure]:
    """Lost and duplicated articles, with a sample of each."""
    return [
        Figure(
            PHASE,
            f"articles lost ({what})",
            len(audit.lost),
            "0",
            not audit.lost,
            f"of {audit.acknowledged} acknowledged " + " ".join(audit.lost[:5]),
        ),
        Figure(
            PHASE,
            f"duplicates ({what})",
            len(audit.duplicates),
            "0",
            not audit.duplicates,
            " ".join(audit.duplicates[:5]),
        ),
    ]


def crash_points() -> list[str]:
    """The named crash points the code base offers (NEWSFEEDS_CRASH_AT)."""
    found: set[str] = set()
    for folder in ("feeds", "scheduler", "sources"):
        for path in (ROOT / folder).rglob("*.py"):
            found.update(re.findall(r"crashpoints\.reach\(\"([\w-]+)\"\)", path.read_text()))
    return sorted(found)
