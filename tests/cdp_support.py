"""Drive headless Chromium over the DevTools protocol: load a page at a width, run a check in
it, take a screenshot. websockets comes with uvicorn[standard]."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from websockets.sync.client import ClientConnection, connect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Tab:
    """One page in the browser, spoken to over its own DevTools socket."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self._ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer (events in between are dropped)."""
        sent = next(self._ids)
        self.socket.send(json.dumps({"id": sent, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == sent:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        """The JSON value of an expression in the page (a promise is awaited)."""
        answer = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in answer:
            raise AssertionError(f"script failed: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def load(self, url: str, width: int, height: int = 900) -> None:
        """Open a URL in a viewport of this size and wait for it to finish loading."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + 30
        while self.evaluate("document.readyState + ' ' + location.href") != f"complete {url}":
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not load in 30 s")
            time.sleep(0.1)

    def screenshot(self, path: Path) -> bytes:
        """The whole page as PNG, written to path."""
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(data)
        return data


@contextmanager
def browser(profile: Path) -> Iterator[Tab]:
    """A headless Chromium that reaches nothing beyond 127.0.0.1, and one tab in it."""
    assert CHROMIUM is not None
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", "--remote-debugging-port=0", f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "about:blank",
    ]  # fmt: skip
    profile.mkdir(parents=True, exist_ok=True)
    log = (profile / "chromium.log").open("w")  # a file: a full pipe would stall the browser
    proc = subprocess.Popen([CHROMIUM, *flags], stdout=log, stderr=log)
    try:
        port = _port(proc, profile / "DevToolsActivePort")
        pages = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        page = next(p for p in pages if p["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None) as socket:
            yield Tab(socket)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _port(proc: subprocess.Popen[bytes], written: Path) -> str:
    """The browser's DevTools port, from the file it writes on start (port 0: its choice)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if written.exists() and written.read_text().strip():
            return written.read_text().split()[0]
        if proc.poll() is not None:
            raise AssertionError(f"chromium exited ({proc.returncode}) before listening")
        time.sleep(0.1)
    raise AssertionError("chromium did not open its DevTools port in 30 s")
