"""Coalesced rebuilds: start at once; whatever arrives meanwhile costs exactly one more run."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from feeds.build.publish import RebuildReport
from feeds.metrics import REBUILD_SECONDS, REBUILDS

log = logging.getLogger(__name__)


class Rebuilder:
    """A worker thread that runs `rebuild` whenever requested, never twice at once."""

    def __init__(self, rebuild: Callable[[], object]) -> None:
        self._rebuild = rebuild
        self._wanted = threading.Event()
        self._stopping = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._loop, name="rebuilder", daemon=True)
        self.runs = 0

    def start(self) -> None:
        """Start the worker thread."""
        self._thread.start()

    def request(self) -> None:
        """Ask for a rebuild; requests during a run fold into one more run."""
        self._wanted.set()

    def stop(self, timeout: float = 60.0) -> None:
        """Finish the run in flight, then stop."""
        self._stopping.set()
        self._wanted.set()
        self._thread.join(timeout)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until no rebuild is running or wanted (for the CLI and tests)."""
        return self._idle.wait(timeout)

    def _loop(self) -> None:
        while True:
            self._wanted.wait()
            if self._stopping.is_set():
                return
            self._idle.clear()
            self._wanted.clear()
            try:
                self._rebuild()
                self.runs += 1
            except Exception:  # job boundary: log, keep the worker alive
                log.exception("rebuild failed")
            finally:
                if not self._wanted.is_set():
                    self._idle.set()


def record(report: RebuildReport) -> None:
    """Count a rebuild pass in the metrics and say in the log what it did."""
    if report.failed:
        log.error("feeds whose rebuild failed (kept as they were): %s", ", ".join(report.failed))
    if report.feeds:
        REBUILDS.inc(report.feeds)
        REBUILD_SECONDS.observe(report.seconds)
        log.info(
            "rebuilt %d feeds, %d documents changed in %.2fs",
            report.feeds,
            len(report.changed),
            report.seconds,
        )
