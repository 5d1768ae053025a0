"""A full disk under the archive: a small tmpfs when we may mount one, else RLIMIT_FSIZE."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from soak import producers
from soak.figures import Figure
from soak.service import Setup, free_port, get, start, stop, wait_ready

PHASE = "faults"
ROOMY = "64m"


def _mount(path: Path, size: str, *, remount: bool = False) -> bool:
    opts = f"remount,size={size}" if remount else f"size={size}"
    cmd = ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)]
    return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0


@contextlib.contextmanager
def tmpfs(path: Path) -> Iterator[bool]:
    """A roomy tmpfs at `path` (True), or nothing when mounting is not allowed here (False)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = os.geteuid() == 0 and shutil.which("mount") is not None and _mount(path, ROOMY)
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)


def _used_kb(path: Path) -> int:
    st = os.statvfs(path)
    return (st.f_blocks - st.f_bfree) * st.f_frsize // 1024


def _fill(setup: Setup, ledger: producers.Ledger, tries: int) -> tuple[int, int, int]:
    """Push big articles until writes are refused; (refused, of them 503, probes failed)."""
    refused = unavailable = probes_failed = 0
    for _ in range(tries):
        status = producers.push(setup.base, ledger, body_bytes=60_000, timeout=10)
        refused += 0 if 200 <= status < 300 else 1
        unavailable += status == 503  # "cannot commit now, retry": never a bare 500
        probes_failed += 0 if get(setup.base + "/feeds/latest.json") == 200 else 1
        if refused >= 10:
            break
    return refused, unavailable, probes_failed


def run(work: Path) -> list[Figure]:
    """Fill the archive's disk, check serving goes on and nothing acknowledged is lost."""
    mnt = work / "diskfull"
    with tmpfs(mnt) as mounted:
        setup = Setup(
            mnt, free_port(), mnt / "full.db", env={"SOAK_API_TOKENS": producers.API_TOKEN}
        )
        limit = None if mounted else 3 * 1024 * 1024
        how = "tmpfs" if mounted else "RLIMIT_FSIZE 3 MB (mount not permitted)"
        ledger = producers.Ledger()
        proc = start(setup, fsize_limit=limit)
        try:
            wait_ready(setup, proc)
            if mounted:  # shrink to what is used plus 3 MB: the next big writes hit ENOSPC
                _mount(mnt, f"{_used_kb(mnt) + 3072}k", remount=True)
            refused, unavailable, failed = _fill(setup, ledger, tries=200)
            alive = proc.poll() is None
            if mounted:
                _mount(mnt, ROOMY, remount=True)
            time.sleep(1)
            after = producers.push(setup.base, ledger) if alive else 0
        finally:
            stop(proc)
        with start_stop(setup):
            pass
        audit = producers.audit(setup.store_path, ledger)
        return [
            Figure(
                PHASE,
                "disk-full write refusals",
                refused,
                "> 0 (the fault happened)",
                refused > 0,
                how,
            ),
            Figure(
                PHASE,
                "disk-full refusals answered 503 (Retry-After)",
                f"{unavailable}/{refused}",
                "all",
                unavailable == refused,
            ),
            Figure(
                PHASE,
                "serving while the disk was full",
                f"{failed} probes failed",
                "always",
                failed == 0 and alive,
            ),
            Figure(
                PHASE,
                "push accepted once space returned",
                after,
                "2xx",
                200 <= after < 300 or not mounted,
                "" if mounted else "not measured: no remount",
            ),
            Figure(
                PHASE,
                "articles lost (disk full)",
                len(audit.lost),
                "0",
                not audit.lost,
                f"of {audit.acknowledged} acknowledged " + " ".join(audit.lost[:5]),
            ),
            Figure(
                PHASE, "duplicates (disk full)", len(audit.duplicates), "0", not audit.duplicates
            ),
        ]


@contextlib.contextmanager
def start_stop(setup: Setup) -> Iterator[None]:
    """Restart once on the same archive (recovery from the WAL), then stop."""
    proc = start(setup)
    try:
        wait_ready(setup, proc)
        yield
    finally:
        stop(proc)
