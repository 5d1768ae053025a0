"""A PostgreSQL that does not answer: at start, and stopped (SIGSTOP) in the middle of a run.

At start: `newsfeeds run` against a server that accepts TCP and never answers must exit
with a clear message within connect_timeout + 5 s (the default connect timeout, 10 s).
Mid-run: a private PostgreSQL (soak/pgserver.py) is stopped with SIGSTOP for 20 s; /healthz
must turn 503 within 30 s, and after SIGCONT the service (never restarted) must poll and
rebuild again: an upstream item newer than the stop appears in a served feed.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from soak import pgserver, upstream
from soak.figures import Figure, measured, skipped
from soak.service import ROOT, Setup, free_port, get, start, stop, wait_ready, write_config

PHASE = "pghang"
CONNECT_TIMEOUT = 10  # [store] connect_timeout_seconds, the default
STOPPED_SECONDS = 20


def hung_at_start(work: Path) -> list[Figure]:
    """`run` with store.url at a listener that never answers: seconds to a clear exit."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=16)
    url = f"postgresql+psycopg://soak@127.0.0.1:{listener.getsockname()[1]}/soak"
    config = write_config(Setup(work, free_port(), work / "unused.db", store_url=url))
    began = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scheduler", "--config", str(config), "run"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        seconds, code, said = time.monotonic() - began, done.returncode, done.stderr
    except subprocess.TimeoutExpired:
        seconds, code, said = time.monotonic() - began, -1, "(still running after 120 s)"
    finally:
        listener.close()
    message = " ".join(said.split())
    clear = "cannot open the archive" in message and "timeout" in message
    limit = CONNECT_TIMEOUT + 5
    return [
        measured(
            PHASE,
            "run on a PostgreSQL that never answers: seconds to exit",
            seconds,
            f"≤ {limit} (connect_timeout + 5)",
            lambda v: v <= limit and code == 4,
        ),
        Figure(
            PHASE,
            "its message",
            "clear" if clear else "unclear",
            "names the archive and the timeout",
            clear and "Traceback" not in said,
            f"exit {code}: {message[-160:]}",
        ),
    ]


def _newest_wire(base: str) -> int:
    """The highest wire item number in /feeds/latest.json (0 when none or unreachable)."""
    try:
        with urllib.request.urlopen(base + "/feeds/latest.json", timeout=5) as resp:
            items = json.loads(resp.read())["items"]
    except (OSError, ValueError, KeyError):
        return 0
    numbers = [int(i["title"].rsplit(" ", 1)[-1]) for i in items if "wire story" in i["title"]]
    return max(numbers, default=0)


def _until(check: object, seconds: float) -> float | None:
    """Seconds until `check()` held (polled every 0.25 s), or None within `seconds`."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if check():  # type: ignore[operator]
            return time.monotonic() - began
        time.sleep(0.25)
    return None


def stopped_mid_run(work: Path, seed: int) -> list[Figure]:
    """SIGSTOP the service's PostgreSQL for STOPPED_SECONDS, then SIGCONT."""
    why = pgserver.unavailable()
    if why:
        return [skipped(PHASE, "PostgreSQL stopped mid-run (SIGSTOP)", why)]
    with upstream.serving(seed) as up, pgserver.private_server() as pg:
        wire = f'\n[[sources]]\nid = "live-wire"\nkind = "feed"\nurl = "{up.base}/wire.rss"'
        wire += '\ninterval_seconds = 1\nsection = "world"\n'
        setup = Setup(work, free_port(), work / "unused.db", wire, store_url=pg.url)
        proc = start(setup)
        try:
            wait_ready(setup, proc, timeout=120)
            _until(lambda: _newest_wire(setup.base) > 0, 60)
            pg.signal_all(signal.SIGSTOP)
            to_503 = _until(lambda: get(setup.base + "/healthz", timeout=10) == 503, 60)
            time.sleep(max(0.0, STOPPED_SECONDS - (to_503 or 0)))
            pg.signal_all(signal.SIGCONT)
            after = int(time.monotonic() - up.started) + 1  # wire items made from now on
            to_200 = _until(lambda: get(setup.base + "/healthz", timeout=10) == 200, 120)
            resumed = _until(lambda: _newest_wire(setup.base) > after, 120)
            alive = proc.poll() is None
        finally:
            with contextlib.suppress(Exception):
                pg.signal_all(signal.SIGCONT)
            stop(proc)
    return [
        Figure(
            PHASE,
            "PostgreSQL stopped: seconds until /healthz 503",
            round(to_503, 1) if to_503 is not None else "never",
            "≤ 30",
            to_503 is not None and to_503 <= 30,
        ),
        Figure(
            PHASE,
            "after SIGCONT: seconds until /healthz 200",
            round(to_200, 1) if to_200 is not None else "never",
            "",
            None,
        ),
        Figure(
            PHASE,
            "after SIGCONT: seconds until a newer article is served (poll + rebuild)",
            round(resumed, 1) if resumed is not None else "never",
            "resumes, no restart",
            resumed is not None and alive,
            f"stopped {STOPPED_SECONDS} s; service {'never restarted' if alive else 'died'}",
        ),
    ]
