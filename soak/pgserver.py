"""A private PostgreSQL cluster on 127.0.0.1, for faults the shared server must never see.

Stopping a server with SIGSTOP (every process of it) is what a hung database looks like to
its clients: the kernel still accepts connections and acknowledges every byte, and nothing
answers. The shared test server serves other work, so the soak and the tests stop one of
their own, made with initdb in a temporary folder and removed after.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

USER = "postgres"  # initdb and postgres refuse to run as root: they run as this user then


def _bin_dir() -> Path | None:
    """The newest installed PostgreSQL's programs (Debian's layout first)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def unavailable() -> str | None:
    """Why no private server can be made here, or None."""
    if _bin_dir() is None:
        return "PostgreSQL's server programs (initdb, postgres) are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(USER)
        except KeyError:
            return f"running as root without a {USER!r} user to run PostgreSQL as"
    return None


def _demote() -> Callable[[], None] | None:
    """A preexec function that becomes the postgres user (when we are root)."""
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam(USER)

    def become() -> None:
        os.setsid()
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)

    return become


@dataclass
class PrivateServer:
    """A running private cluster: its URL and the means to stop and continue it."""

    port: int
    data: Path
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def pids(self) -> list[int]:
        """The postmaster and every process it started."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.proc.pid:
                    children.append(int(stat.parent.name))
        return [self.proc.pid, *children]

    def signal_all(self, sig: signal.Signals) -> None:
        """Send a signal to every process of the server (SIGSTOP, SIGCONT)."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with psycopg.connect(
            f"host=127.0.0.1 port={port} user=postgres dbname=postgres", connect_timeout=2
        ) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


@contextlib.contextmanager
def private_server() -> Iterator[PrivateServer]:
    """initdb, start on a free port, yield; then continue it if stopped, stop it, remove it."""
    bin_dir = _bin_dir()
    assert bin_dir is not None, unavailable()
    data = Path(tempfile.mkdtemp(prefix="newsfeeds-pg-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(USER)
        os.chown(data, entry.pw_uid, entry.pw_gid)
    init = [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", USER, "--no-sync"]
    subprocess.run(init, check=True, capture_output=True, preexec_fn=_demote(), timeout=120)
    port = _free_port()
    options = ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-k", str(data)]
    proc = subprocess.Popen(
        [str(bin_dir / "postgres"), "-D", str(data), "-p", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_demote() or os.setsid,
    )
    server = PrivateServer(port, data, proc)
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the private PostgreSQL did not start (data in {data})")
            time.sleep(0.2)
        yield server
    finally:
        server.signal_all(signal.SIGCONT)
        proc.send_signal(signal.SIGINT)  # fast shutdown
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(data, ignore_errors=True)
