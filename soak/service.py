"""Run the real `newsfeeds` service as a subprocess on 127.0.0.1, with a config written here."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("world", "business", "india", "technology")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Setup:
    """What one service instance is configured with."""

    work: Path
    port: int
    store_path: Path
    sources: str = ""  # extra [[sources]] tables
    extra: str = ""  # extra tables ([admin] …)
    host: str = "127.0.0.1"
    env: dict[str, str] = field(default_factory=dict)
    max_bytes: int = 5_000_000  # [fetch] max_bytes
    api_max_body: int = 200_000  # [api] max_body_bytes
    store_url: str = ""  # [store] url, when not the SQLite file at store_path

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def drop(self) -> Path:
        return self.work / "drop"


def write_config(setup: Setup) -> Path:
    """A config.toml for a soak run: fast schedule, short fetch bounds, a drop folder."""
    sections = "".join(f'\n[[sections]]\nslug = "{s}"\ntitle = "{s.title()}"\n' for s in SECTIONS)
    text = f"""[site]
title = "Soak Ledger"
base_url = "{setup.base}"
authority = "soak.example.com"

[server]
host = "{setup.host}"
port = {setup.port}

[store]
url = "{setup.store_url or "sqlite:///" + str(setup.store_path)}"

[scheduler]
min_interval_seconds = 1
jitter_seconds = 0

[feeds]
items = 50
combos = "with-articles"

[fetch]
timeout_seconds = 2
deadline_seconds = 5
max_bytes = {setup.max_bytes}
host_gap_seconds = 0
backoff_max_seconds = 3

[api]
tokens_env = "SOAK_API_TOKENS"
max_body_bytes = {setup.api_max_body}
{setup.extra}
{sections}
[[sources]]
id = "world-wire"
kind = "feed"
url = "{ROOT}/samples/feeds/world-wire.rss"
interval_seconds = 300
section = "world"

[[sources]]
id = "cms-drop"
kind = "files"
url = "{setup.drop}"
interval_seconds = 1
section = "india"
countries = ["IN"]
{setup.sources}"""
    path = setup.work / "config.toml"
    path.write_text(text, encoding="utf-8")
    setup.drop.mkdir(parents=True, exist_ok=True)
    return path


def start(
    setup: Setup, *, fsize_limit: int | None = None, open_files: int | None = None
) -> subprocess.Popen[bytes]:
    """`newsfeeds run` in its own process group; output goes to work/service.log."""
    config = setup.work / "config.toml"
    if not config.exists():
        write_config(setup)
    log = (setup.work / "service.log").open("ab")

    def limits() -> None:
        os.setsid()
        if fsize_limit is not None:  # writes past it fail with EFBIG, as on a full disk
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_limit, fsize_limit))
        if open_files is not None:  # a smaller soft limit on open files, as many hosts have
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, hard))

    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "--config", str(config), "run"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **setup.env},
        preexec_fn=limits,
    )
    log.close()
    return proc


def stop(proc: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    """SIGTERM (or SIGKILL) and wait, escalating to SIGKILL after 20 s."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def get(url: str, *, timeout: float = 5, headers: dict[str, str] | None = None) -> int:
    """The status of one GET (0 when the connection failed)."""
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers or {}), timeout=timeout
        ) as resp:
            resp.read()
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, ValueError):
        return 0


def wait_ready(setup: Setup, proc: subprocess.Popen[bytes], *, timeout: float = 60) -> float:
    """Seconds until /healthz and /feeds/latest.json both answer 200."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"service exited with {proc.returncode}; see {setup.work}")
        if get(setup.base + "/healthz", timeout=2) == 200 and (
            get(setup.base + "/feeds/latest.json", timeout=2) == 200
        ):
            return time.monotonic() - began
        time.sleep(0.1)
    raise RuntimeError(f"service not ready within {timeout} s; see {setup.work}")


@contextlib.contextmanager
def running(setup: Setup, **kwargs: int | None) -> Iterator[subprocess.Popen[bytes]]:
    """A started, ready service; stopped on exit."""
    proc = start(setup, **kwargs)
    try:
        wait_ready(setup, proc)
        yield proc
    finally:
        stop(proc)


def peak_rss_mb(pid: int) -> float:
    """The process's resident-set high-water mark (VmHWM), in MB; 0 when it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bounded(seconds: float, step: Callable[[], bool], *, pause: float = 0.1) -> bool:
    """Call `step` until it returns True or `seconds` pass; True if it succeeded."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if step():
            return True
        time.sleep(pause)
    return False
