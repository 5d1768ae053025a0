"""The service's jobs as plain functions, callable without a scheduler.

poll.py polls one source; retention.py ages and prunes; recovery.py frees dead processes'
leases; embargoes.py makes embargoed articles live at their time.
"""

from scheduler.jobs.embargoes import next_embargo, pending_rebuilds, release_embargoes
from scheduler.jobs.poll import PollOutcome, PollSettings, poll

__all__ = [
    "PollOutcome",
    "PollSettings",
    "next_embargo",
    "pending_rebuilds",
    "poll",
    "release_embargoes",
]
