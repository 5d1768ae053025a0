"""Connection floods against the service: unfinished huge headers, and idle connections.

Header flood: 20 connections each send a request head that never ends, 50 MB of one
header field; the service must refuse each (431) near max_header_bytes, keep serving, and
stay under 400 MB. Idle flood: with the service's open-file soft limit at 1,024, 1,124
connections are opened and held (re-opened as the service closes them), and normal GETs
must all be answered.
"""

from __future__ import annotations

import contextlib
import resource
import socket
import threading
import time
from pathlib import Path

from soak.faults import Probe
from soak.figures import Figure, measured
from soak.service import Setup, free_port, get, running

PHASE = "floods"
FLOODERS = 20
FLOOD_BYTES = 50 * 1024 * 1024
MEMORY_TARGET_MB = 400
OPEN_FILES = 1024  # the service's soft limit in the idle flood, a common default
NORMAL_GETS = 100


def _flood_one(port: int, statuses: list[int], sent: list[int]) -> None:
    """One connection: a head that never ends, until the service hangs up."""
    total, filler = 0, b"f" * 65536
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 30) as sock:
        try:
            sock.sendall(b"GET /feeds/latest.json HTTP/1.1\r\nHost: soak\r\nX-Flood: ")
            while total < FLOOD_BYTES:
                total += sock.send(filler)
        except OSError:
            pass  # refused: the service closed its end
        reply = b""
        with contextlib.suppress(OSError):
            reply = sock.recv(4096)
        statuses.append(int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.1 ") else 0)
    sent.append(total)


def _flooder(port: int, until: float, statuses: list[int], sent: list[int]) -> None:
    """Flood again and again until `until`, as an attacker would."""
    while time.monotonic() < until:
        _flood_one(port, statuses, sent)


def header_flood(work: Path, seconds: float) -> list[Figure]:
    """FLOODERS unfinished 50 MB heads at a time for `seconds`, while a probe reads a feed."""
    setup = Setup(work, free_port(), work / "flood.db")
    statuses: list[int] = []
    sent: list[int] = []
    with running(setup) as proc, Probe(setup.base, proc.pid) as probe:
        until = time.monotonic() + seconds
        flooders = [
            threading.Thread(target=_flooder, args=(setup.port, until, statuses, sent))
            for _ in range(FLOODERS)
        ]
        for thread in flooders:
            thread.start()
        for thread in flooders:
            thread.join(seconds + 120)
        time.sleep(1)  # a few more probes after the flood
    refused = sum(1 for s in statuses if s == 431)
    return [
        Figure(
            PHASE,
            f"header flood: heads refused with 431 ({FLOODERS} at a time, {seconds:g} s)",
            f"{refused}/{len(statuses)}",
            "all",
            refused == len(statuses) > 0,
        ),
        Figure(
            PHASE,
            "header flood: most bytes one connection sent (MB)",
            round(max(sent, default=0) / 1e6, 1),
            "",
            None,
            "taken by the socket buffers before the refusal reached the client",
        ),
        Figure(
            PHASE,
            "serving during the header flood",
            f"{probe.tries - probe.misses}/{probe.tries}",
            "always",
            probe.misses == 0 and probe.tries > 0,
        ),
        measured(
            PHASE,
            "memory high-water during the header flood (MB)",
            probe.peak_mb,
            f"≤ {MEMORY_TARGET_MB}",
            lambda v: 0 < v <= MEMORY_TARGET_MB,
        ),
    ]


class Holder:
    """Keeps `count` idle connections open, opening a new one for each the service closes."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.opened = 0
        self.stop = threading.Event()
        self.socks: list[socket.socket] = []

    def run(self) -> None:
        while not self.stop.is_set():
            alive = []
            for sock in self.socks:
                sock.setblocking(False)
                try:
                    gone = sock.recv(1) == b""
                except BlockingIOError:
                    gone = False
                except OSError:
                    gone = True
                if gone:
                    sock.close()
                else:
                    alive.append(sock)
            self.socks = alive
            while len(self.socks) < self.count and not self.stop.is_set():
                with contextlib.suppress(OSError):
                    self.socks.append(socket.create_connection(("127.0.0.1", self.port), 5))
                    self.opened += 1
            self.stop.wait(0.2)

    def close(self) -> None:
        self.stop.set()
        for sock in self.socks:
            sock.close()


def _raise_own_limit(needed: int) -> None:
    """This process holds the flood's sockets: lift its soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def idle_flood(work: Path) -> list[Figure]:
    """OPEN_FILES + 100 idle connections held open while normal GETs are made."""
    flood = OPEN_FILES + 100
    _raise_own_limit(flood + 200)
    setup = Setup(work, free_port(), work / "idle.db")
    with running(setup, open_files=OPEN_FILES):
        holder = Holder(setup.port, flood)
        thread = threading.Thread(target=holder.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while holder.opened < flood and time.monotonic() < deadline:
            time.sleep(0.1)
        answered = sum(
            get(setup.base + "/feeds/latest.json", timeout=10) == 200 for _ in range(NORMAL_GETS)
        )
        opened = holder.opened
        holder.close()
        thread.join(10)
    return [
        Figure(
            PHASE,
            "idle flood: connections opened",
            opened,
            f"≥ {flood} (soft limit {OPEN_FILES} + 100)",
            opened >= flood,
        ),
        Figure(
            PHASE,
            "normal GETs answered during the idle flood",
            f"{answered}/{NORMAL_GETS}",
            "100 %",
            answered == NORMAL_GETS,
        ),
    ]
