"""Named crash and pause points for the crash-safety tests: inert unless the env asks.

NEWSFEEDS_CRASH_AT=<name> kills the process with SIGKILL the first time it reaches that
point; NEWSFEEDS_PAUSE_AT=<name>:<seconds> sleeps there once, to widen a window (e.g. a
SIGTERM sent during a rebuild). Points: mid-fetch, before-commit (poll upserted, not
committed), mid-render (feed rendered, nothing written), before-document-commit
(documents written, transaction not committed).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

POINTS = ("mid-fetch", "before-commit", "mid-render", "before-document-commit")

_CRASH_AT = os.environ.get("NEWSFEEDS_CRASH_AT")
_PAUSE_NAME, _, _PAUSE_SECONDS = (os.environ.get("NEWSFEEDS_PAUSE_AT") or "").partition(":")
_paused = threading.Event()


def reach(name: str) -> None:
    """Die with SIGKILL, or pause once, when the environment names this point."""
    if _CRASH_AT is not None and name == _CRASH_AT:
        os.kill(os.getpid(), signal.SIGKILL)
    if name == _PAUSE_NAME and not _paused.is_set():
        _paused.set()
        # stderr, unbuffered: the test waits for this line before it acts
        print(f"newsfeeds: paused at {name}", file=sys.stderr, flush=True)
        time.sleep(float(_PAUSE_SECONDS or 1))
