"""Polls in one lane per upstream host: one runs at a time, the others wait without a thread.

Sources of one host must take turns (politeness), and a host that stopped answering holds
its turn for a whole fetch deadline. Were the waiting polls to sit in pool threads, eight
feeds of one dead host would fill the pool and stop every other host's polls; here they
wait in their lane's queue and the pool serves the other hosts. A host whose last
exchange was cut off by a timeout runs in a pool of its own (a bulkhead), so any number of
slow hosts leaves the others every worker.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sources.model.spec import SourceSpec
from sources.net.politeness import HostKey, host_key, is_slow

log = logging.getLogger(__name__)

Job = Callable[[], object]


def lane_of(spec: SourceSpec) -> HostKey:
    """The host a source is polled from; a local source (a path) has a lane of its own."""
    listing, urls = spec.options.get("listing"), spec.options.get("urls")
    first = urls[0] if isinstance(urls, list | tuple) and urls else None
    url = listing if isinstance(listing, str) else spec.url or first
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return host_key(url)
    return (f"local:{spec.id}", 0)


class Lanes:
    """A pool of poll workers fed by per-host queues; a source is queued at most once."""

    def __init__(
        self, workers: int, slow_workers: int, is_slow: Callable[[HostKey], bool] = is_slow
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll")
        self._slow_pool = ThreadPoolExecutor(max_workers=slow_workers, thread_name_prefix="slow")
        self._is_slow = is_slow
        self._lock = threading.Lock()
        self._waiting: dict[HostKey, deque[tuple[str, Job]]] = {}
        self._queued: set[str] = set()  # names queued or running
        self._closed = False

    def submit(self, lane: HostKey, name: str, job: Job) -> bool:
        """Queue a job in its lane; False when it is queued or running already."""
        with self._lock:
            if self._closed or name in self._queued:
                return False
            self._queued.add(name)
            waiting = self._waiting.get(lane)
            if waiting is not None:  # the lane is busy: wait in it, holding no thread
                waiting.append((name, job))
                return True
            self._waiting[lane] = deque()
        self._start(lane, name, job)
        return True

    def _start(self, lane: HostKey, name: str, job: Job) -> None:
        pool = self._slow_pool if self._is_slow(lane) else self._pool
        pool.submit(self._run, lane, name, job)

    def pending(self) -> int:
        """How many jobs are queued or running."""
        with self._lock:
            return len(self._queued)

    def _run(self, lane: HostKey, name: str, job: Job) -> None:
        try:
            job()
        except Exception:  # job boundary: one failing poll never stops its lane
            log.exception("poll %s failed", name)
        finally:
            following = self._next(lane, name)
        if following is not None:
            # closed meanwhile: the stop drops waiting polls anyway
            with contextlib.suppress(RuntimeError):
                self._start(lane, *following)

    def _next(self, lane: HostKey, done: str) -> tuple[str, Job] | None:
        """Mark a job finished; the lane's next job, or None (the lane is then free)."""
        with self._lock:
            self._queued.discard(done)
            waiting = self._waiting.get(lane)
            if waiting and not self._closed:
                return waiting.popleft()
            self._waiting.pop(lane, None)
            return None

    def close(self) -> None:
        """Drop every waiting job and wait for the running ones (each bounded by its deadline)."""
        with self._lock:
            self._closed = True
            for waiting in self._waiting.values():
                for name, _ in waiting:
                    self._queued.discard(name)
                waiting.clear()
        for pool in (self._pool, self._slow_pool):
            pool.shutdown(wait=True, cancel_futures=True)
