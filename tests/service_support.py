"""Helpers for tests that run the real service: configs in tmp_path, free ports, subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
NEWSFEEDS = [sys.executable, "-m", "scheduler"]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sample_config(
    tmp_path: Path, port: int, *, extra: str = "", store_url: str | None = None
) -> Path:
    """The bundled config.toml, pointed at tmp_path for its archive, drop folder and port."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace(
        'base_url = "http://127.0.0.1:8080"', f'base_url = "http://127.0.0.1:{port}"'
    )
    text = text.replace("port = 8080", f"port = {port}")
    text = text.replace(
        'url = "sqlite:///var/newsfeeds.db"',
        f'url = "{store_url or "sqlite:///" + str(tmp_path / "newsfeeds.db")}"',
    )
    text = text.replace('url = "var/drop"', f'url = "{tmp_path / "drop"}"')
    text = text.replace('"samples/', f'"{ROOT}/samples/')
    text = text.replace("jitter_seconds = 10", "jitter_seconds = 0")
    path = tmp_path / "config.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def cli(
    config: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run one `newsfeeds` command to completion."""
    return subprocess.run(
        [*NEWSFEEDS, "--config", str(config), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@contextmanager
def running(
    config: Path, port: int, *, env: dict[str, str] | None = None, wait_for: str = "/healthz"
) -> Iterator[subprocess.Popen[str]]:
    """`newsfeeds run` as a real subprocess; SIGTERM on exit."""
    proc = subprocess.Popen(
        [*NEWSFEEDS, "--config", str(config), "run"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        wait_until(f"http://127.0.0.1:{port}{wait_for}", proc)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def wait_until(
    url: str, proc: subprocess.Popen[str] | None = None, timeout: float = 60
) -> requests.Response:
    """Poll a URL until it answers 200 (failing early if the process died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"service exited with {proc.returncode}:\n{out}")
        try:
            resp = requests.get(url, timeout=2)
            if resp.status_code == 200:
                return resp
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer 200 within {timeout} s")


def wait_for_articles(
    url: str, proc: subprocess.Popen[str] | None = None, timeout: float = 60
) -> requests.Response:
    """Poll a feed URL until it lists an article: configured feeds exist (empty) from the
    start, so a 200 alone no longer says the first ingest reached them."""
    deadline = time.monotonic() + timeout
    while True:
        resp = wait_until(url, proc, timeout=max(1.0, deadline - time.monotonic()))
        if _lists_articles(resp):
            return resp
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} listed no article within {timeout} s")
        time.sleep(0.2)


def _lists_articles(resp: requests.Response) -> bool:
    if "json" in resp.headers.get("content-type", ""):
        return bool(json.loads(resp.content).get("items"))
    return b"<item>" in resp.content or b"<entry>" in resp.content


def copy_samples(tmp_path: Path) -> Path:
    """A private copy of the bundled samples, for tests that change them."""
    target = tmp_path / "samples"
    shutil.copytree(ROOT / "samples", target)
    return target
