"""/healthz: one archive ping at a time, shared by every probe, and never waited on long.

A PostgreSQL that stopped answering holds a ping for as long as its round-trip bound
(store.statement_timeout_seconds + 5). Probes arrive every few seconds: each waiting on a
ping of its own would pile threads up; instead they share the one in flight and answer
503 once it has taken PING_SECONDS, however long it goes on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from feeds.archive import availability

log = logging.getLogger(__name__)

PING_SECONDS = 5.0


class Health:
    """The archive's health, as a problem to report or None."""

    def __init__(self, ping: Callable[[], object], bound_seconds: float = PING_SECONDS) -> None:
        self._ping, self._bound = ping, bound_seconds
        self._task: asyncio.Future[object] | None = None
        self._started = 0.0
        self._last: str | None = None

    async def problem(self) -> str | None:
        """None when the archive answered within the bound; else what to tell the prober."""
        task = self._task
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            task = self._task = asyncio.ensure_future(run_in_threadpool(self._ping))
            task.add_done_callback(_retrieved)
            self._started = time.monotonic()
        remaining = self._bound - (time.monotonic() - self._started)
        try:
            await asyncio.wait_for(asyncio.shield(task), max(remaining, 0.0))
        except TimeoutError:
            return self._noted("archive not answering", f"no answer within {self._bound:g} s")
        except Exception as exc:  # any failure to read the archive is ill health
            return self._noted("archive unreachable", availability.describe(exc))
        if self._last is not None:
            log.warning("archive answering again")
        self._last = None
        return None

    def _noted(self, problem: str, detail: str) -> str:
        """Log a change of state once (the probe's answer never carries the details)."""
        if self._last != problem:
            log.warning("healthz: %s: %s", problem, detail)
        self._last = problem
        return problem


def _retrieved(task: asyncio.Future[object]) -> None:
    """Take a ping's exception, so one nobody awaited any more is not reported as lost."""
    if not task.cancelled():
        task.exception()
