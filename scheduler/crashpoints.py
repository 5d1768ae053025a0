"""Named crash points for the crash-safety tests: inert unless NEWSFEEDS_CRASH_AT is set."""

from __future__ import annotations

import os
import signal

_TARGET = os.environ.get("NEWSFEEDS_CRASH_AT")


def reach(name: str) -> None:
    """Die at once with SIGKILL when the test asked to crash at this point."""
    if _TARGET is not None and name == _TARGET:
        os.kill(os.getpid(), signal.SIGKILL)
