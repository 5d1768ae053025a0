"""External tools (nginx, wrk) installed on demand, and wrk runs pinned to a core."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

_PACKAGES = {"nginx": ("nginx-light", "nginx"), "wrk": ("wrk",)}


def ensure(tool: str) -> str | None:
    """Install a Debian package providing `tool` if missing; None, or why it failed."""
    if _which(tool):
        return None
    if shutil.which("apt-get") is None:
        return f"{tool} missing and no apt-get to install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _has_candidate(_PACKAGES[tool][0]):
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=300)
    for package in _PACKAGES[tool]:
        if not _has_candidate(package):
            continue
        subprocess.run(
            ["apt-get", "install", "-y", package], env=env, capture_output=True, timeout=600
        )
        if _which(tool):
            return None
    return f"could not install {tool} with apt-get ({'/'.join(_PACKAGES[tool])})"


def _which(tool: str) -> str | None:
    return shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")


def _has_candidate(package: str) -> bool:
    out = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True)
    m = re.search(r"Candidate:\s*(\S+)", out.stdout)
    return m is not None and m.group(1) != "(none)"


def cores() -> tuple[str, str]:
    """(server core, client core): separate ones when the machine has two or more."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) >= 2:
        return str(available[0]), str(available[1])
    return str(available[0]), str(available[0])


@dataclass(frozen=True, slots=True)
class Load:
    """What wrk measured."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def wrk(url: str, headers: dict[str, str], *, seconds: int, connections: int = 32) -> Load:
    """Run wrk (one thread, bounded in time) pinned to the client core."""
    _, client = cores()
    cmd = [
        "taskset",
        "-c",
        client,
        _which("wrk") or "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 30)
    return parse_wrk(out.stdout)


def parse_wrk(text: str) -> Load:
    """Requests/sec, latency percentiles and error counts from wrk's report."""
    rps = re.search(r"Requests/sec:\s*([\d.]+)", text)
    if rps is None:
        raise RuntimeError(f"wrk gave no result:\n{text[-500:]}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s*(\d+)", text))
    sock = re.search(r"Socket errors:.*?timeout (\d+)", text)
    total = re.search(r"(\d+) requests in", text)
    return Load(
        rps=float(rps.group(1)),
        p50_ms=_pct(text, "50%"),
        p99_ms=_pct(text, "99%"),
        errors=errors + (int(sock.group(1)) if sock else 0),
        requests=int(total.group(1)) if total else 0,
    )


def _pct(text: str, label: str) -> float:
    m = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    if m is None:
        return float("nan")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    return float(m.group(1)) * scale
