"""Hostile input sweep: every input through the pipeline in a worker process that is killed
past a bound, so a hang or a native crash is counted, not suffered."""

from __future__ import annotations

import json
import os
import resource
import select
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from soak import hostile_inputs
from soak.figures import Figure, zero
from soak.service import ROOT

PHASE = "hostile"
CORPUS = Path("/work/shared/corpus/feedparser/tests/wellformed/sanitize")
FIXTURES = ROOT / "tests" / "fixtures" / "hostile"
BOUND_SECONDS = 20.0
MEMORY_LIMIT = 2 * 1024**3


@dataclass
class Sweep:
    """The tally of one sweep."""

    tried: int = 0
    crashes: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    executable: list[str] = field(default_factory=list)
    leaked: list[str] = field(default_factory=list)
    refused: int = 0


class Listener:
    """A TCP port on 127.0.0.1 that counts every connection (external fetches must be 0)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


class Worker:
    """The worker process; restarted after a hang or a crash."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "soak.hostile_worker"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            preexec_fn=_limit,
        )
        self.buffer = b""

    def ask(self, path: Path, markers: tuple[str, ...]) -> dict[str, object] | None:
        """The worker's result for one input; None when it hung (then the caller kills it)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"path": str(path), "markers": markers}).encode() + b"\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + BOUND_SECONDS
        while True:
            line = self._line(deadline)
            if line is None:
                return None
            if not line:
                return {"ok": False, "error": f"worker died (exit {self.proc.wait()})"}
            msg = json.loads(line)
            if "start" not in msg:
                return msg  # type: ignore[no-any-return]

    def _line(self, deadline: float) -> bytes | None:
        """One line from the worker (b"" at EOF), or None past the deadline.

        Reads the raw descriptor: a buffered reader can hold a whole line that select()
        would never report as readable.
        """
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return b""
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def inputs(work: Path, port: int) -> tuple[list[Path], Path]:
    """Every input file (generated here, the corpus sanitize cases, our fixtures); the secret."""
    secret = work / "secret.txt"
    secret.write_text(hostile_inputs.SECRET)
    gen = work / "generated"
    gen.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, body in hostile_inputs.generated(str(secret), port):
        (gen / f"{name}.xml").write_bytes(body)
        paths.append(gen / f"{name}.xml")
    paths += sorted(CORPUS.glob("*.xml")) + sorted(FIXTURES.glob("*.xml"))
    return paths, secret


def sweep(paths: list[Path], markers: tuple[str, ...]) -> Sweep:
    """Each path through a bounded worker."""
    s, worker = Sweep(), Worker()
    try:
        for path in paths:
            s.tried += 1
            r = worker.ask(path, markers)
            if r is None:
                s.hangs.append(path.name)
                worker.kill()
                worker = Worker()
                continue
            if not r.get("ok"):
                s.crashes.append(f"{path.name}: {r.get('error')}")
                if worker.proc.poll() is not None:
                    worker = Worker()
                continue
            s.refused += 1 if r.get("refused") else 0
            s.executable += [f"{path.name}: {e}" for e in _strings(r.get("executable"))]
            s.leaked += [f"{path.name}: {e}" for e in _strings(r.get("leaked"))]
    finally:
        worker.kill()
    return s


def run(work: Path) -> list[Figure]:
    """The hostile-input rows of the report."""
    listener = Listener()
    try:
        paths, _ = inputs(work, listener.port)
        s = sweep(paths, (hostile_inputs.SECRET, hostile_inputs.MARKER))
        time.sleep(0.5)
        fetched = listener.connections
    finally:
        listener.close()
    # a bomb expanding is amplification; one small internal entity expanding once is plain
    # XML 1.0 (§4.4.2 "included"), reported beside it but not counted against the target
    expanded = [x for x in s.leaked if hostile_inputs.MARKER in x and "internal-entity" not in x]
    internal = sorted({x.split(":")[0] for x in s.leaked if "internal-entity" in x})
    secrets = [x for x in s.leaked if hostile_inputs.SECRET in x]

    def row(name: str, found: list[str]) -> Figure:
        return Figure(PHASE, name, len(found), "0", not found, "; ".join(found[:3]))

    return [
        Figure(
            PHASE,
            "inputs tried",
            s.tried,
            "",
            None,
            f"{s.refused} refused as not a feed (reported, not crashed); "
            f"bound {BOUND_SECONDS:g} s each",
        ),
        row("crashes", s.crashes),
        row("hangs", s.hangs),
        row("entity-bomb expansions (billion laughs, quadratic)", sorted(set(expanded))),
        Figure(
            PHASE,
            "small internal entity expanded once",
            len(internal),
            "informational",
            None,
            "XML 1.0 §4.4.2; no amplification",
        ),
        row("external file reads (secret in output)", sorted(set(secrets))),
        zero(PHASE, "external fetches (connections to 127.0.0.1 listener)", fetched),
        Figure(
            PHASE,
            "executable markup in rendered documents",
            len(s.executable),
            "0",
            not s.executable,
            f"{len({e.split(':')[0] for e in s.executable})} inputs; "
            + "; ".join(s.executable[:3]),
        ),
    ]
