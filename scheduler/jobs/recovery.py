"""Start-up recovery: free the leases of this host's processes that died without releasing."""

from __future__ import annotations

import logging
import os
import socket

from feeds.archive import leases
from feeds.archive.engine import Store

log = logging.getLogger(__name__)


def dead_owners(owners: set[str], me: str) -> set[str]:
    """Owners (`host:pid:nonce`) on this host whose process no longer runs."""
    host, mine = socket.gethostname(), os.getpid()
    dead = set()
    for owner in owners - {me}:
        owner_host, _, pid_text = owner.rpartition(":")[0].rpartition(":")
        if owner_host != host or not pid_text.isdigit():
            continue  # another machine's lease: only its expiry can free it
        pid = int(pid_text)
        if pid == mine or not _is_alive(pid):  # same pid, other nonce: our own past life
            dead.add(owner)
    return dead


def free_dead_leases(store: Store, me: str) -> int:
    """Release every lease a dead process of this host left behind (after kill -9)."""
    with store.begin() as conn:
        dead = dead_owners(leases.lease_owners(conn), me)
        freed = leases.release_owners(conn, dead)
    if freed:
        log.info("freed %d leases left by %d stopped processes", freed, len(dead))
    return freed


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
