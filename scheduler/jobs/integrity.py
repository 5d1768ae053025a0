"""The archive's integrity check on a background thread, so start-up never waits for it."""

from __future__ import annotations

import logging
import threading

from feeds.archive import integrity
from feeds.archive.engine import Store

log = logging.getLogger(__name__)


def check_in_background(store: Store) -> threading.Thread:
    """Start quick_check; corruption it finds turns /healthz to 503 and refuses writes."""

    def check() -> None:
        try:
            found = integrity.quick_check(store)
        except Exception:  # an archive that cannot be read now: the next start checks again
            log.warning("the archive's integrity check could not run", exc_info=True)
            return
        if found is None:
            log.info("archive integrity check: ok")
        else:
            store.mark_corrupt(f"integrity check: {found}")

    thread = threading.Thread(target=check, name="integrity-check", daemon=True)
    thread.start()
    return thread
