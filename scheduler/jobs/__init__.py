"""The service's jobs as plain functions, callable without a scheduler."""

from scheduler.jobs.poll import (
    PollOutcome,
    PollSettings,
    next_embargo,
    pending_rebuilds,
    poll,
    release_embargoes,
)

__all__ = [
    "PollOutcome",
    "PollSettings",
    "next_embargo",
    "pending_rebuilds",
    "poll",
    "release_embargoes",
]
