"""Seeded SIGKILLs (and the code's own crash points) while articles flow in; then an audit."""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path

from soak import producers
from soak.faults import PHASE, _audit_rows, crash_points, produce_while
from soak.figures import Figure, measured, skipped
from soak.service import Setup, free_port, start, stop, wait_ready

RESTART_TARGET_S = 30.0


def _cycle_kill(setup: Setup, ledger: producers.Ledger, rng: random.Random) -> float:
    """Run, feed, SIGKILL after a seeded delay; the seconds the restart took to serve."""
    proc = start(setup)
    try:
        ready = wait_ready(setup, proc)
        produce_while(setup, ledger, rng.uniform(0.5, 4.0))
    finally:
        stop(proc, kill=True)
    return ready


def _cycle_crash_at(setup: Setup, ledger: producers.Ledger, point: str) -> bool:
    """Run with NEWSFEEDS_CRASH_AT=point while feeding; True if the process died there."""
    crashing = Setup(
        setup.work, setup.port, setup.store_path, env={**setup.env, "NEWSFEEDS_CRASH_AT": point}
    )
    proc = start(crashing)
    deadline = time.monotonic() + 20
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            produce_while(setup, ledger, 0.5)
    finally:
        died = proc.poll() is not None
        stop(proc, kill=True)
    return died


def _drain(setup: Setup, ledger: producers.Ledger) -> tuple[bool, subprocess.Popen[bytes]]:
    """A last clean run: wait (bounded) until every dropped file has been consumed."""
    proc = start(setup)
    wait_ready(setup, proc)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not any(setup.drop.glob("*.json")):
            break
        time.sleep(0.5)
    drained = not any(setup.drop.glob("*.json"))
    return drained, proc


def run(work: Path, *, kills: int, seed: int) -> list[Figure]:
    """`kills` seeded SIGKILLs, one run per crash point, then a restart and an audit."""
    rng = random.Random(seed)
    setup = Setup(
        work, free_port(), work / "kills.db", env={"SOAK_API_TOKENS": producers.API_TOKEN}
    )
    ledger = producers.Ledger()
    restarts = [_cycle_kill(setup, ledger, rng) for _ in range(kills)]
    points = crash_points()
    crashed = [p for p in points if _cycle_crash_at(setup, ledger, p)]
    drained, proc = _drain(setup, ledger)
    try:
        pending = len(list(setup.drop.glob("*.json")))
    finally:
        stop(proc)
    producers.settled_drops(setup.drop, ledger)
    audit = producers.audit(setup.store_path, ledger)
    rows = [
        measured(PHASE, "SIGKILLs (seeded) + restarts", kills, f"seed {seed}", None),
        measured(
            PHASE,
            "slowest restart to serving (s)",
            max(restarts, default=0.0),
            f"≤ {RESTART_TARGET_S:g}",
            lambda v: v <= RESTART_TARGET_S,
        ),
    ]
    if points:
        rows.append(
            Figure(
                PHASE,
                "crash points hit (NEWSFEEDS_CRASH_AT)",
                f"{len(crashed)}/{len(points)}",
                "informational",
                None,
                ", ".join(points)
                + "; not hit: "
                + (", ".join(set(points) - set(crashed)) or "none"),
            )
        )
    else:
        rows.append(skipped(PHASE, "crash points hit", "no crashpoints.reach() in the code yet"))
    rows.append(
        Figure(
            PHASE,
            "drop files left unconsumed after restart",
            pending,
            "0",
            drained and pending == 0,
        )
    )
    return rows + _audit_rows("kills", audit)
