"""A source's health after a poll: pure state transitions, `now` and randomness passed in."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from sources.errors import HttpStatusError, SourceError
from sources.kinds.base import Collected
from sources.model.spec import FetchSettings
from sources.model.state import SourceState
from sources.net.validators import Validators, kept

_JITTER = 0.2  # ±20 %, so sources that failed together do not retry together
_MAX_DOUBLINGS = 30  # 2**30 intervals is past any cap; stops the number growing unbounded


def after_success(
    state: SourceState,
    collected: Collected,
    *,
    now: datetime,
    interval_seconds: int,
    settings: FetchSettings,
) -> SourceState:
    """Healthy again: reset failures, store validators, count and confirm permanent redirects."""
    validators = kept(
        Validators(state.etag, state.last_modified),
        Validators(collected.etag, collected.last_modified),
        not_modified=collected.not_modified,
    )
    healthy = replace(
        state,
        etag=validators.etag,
        last_modified=validators.last_modified,
        last_attempt=now,
        last_success=now,
        last_error=None,
        consecutive_failures=0,
        gone_count=0,
        next_due=now + timedelta(seconds=interval_seconds),
        memo=state.memo if collected.memo is None else collected.memo,
    )
    return _follow_redirect(healthy, collected.permanent_redirect, settings)


def after_failure(
    state: SourceState,
    error: Exception,
    *,
    now: datetime,
    interval_seconds: int,
    settings: FetchSettings,
    rng: random.Random,
) -> SourceState:
    """Record a failed poll and back off; retire a source that keeps answering 410 Gone."""
    failures = state.consecutive_failures + 1
    is_gone = isinstance(error, HttpStatusError) and error.status == 410
    gone_count = state.gone_count + 1 if is_gone else 0
    delay = _backoff(error, failures, interval_seconds, settings, rng)
    return replace(
        state,
        last_attempt=now,
        last_error=_describe(error),
        consecutive_failures=failures,
        gone_count=gone_count,
        retired=state.retired or gone_count >= settings.gone_polls,
        next_due=now + timedelta(seconds=delay),
    )


def _follow_redirect(
    state: SourceState, target: str | None, settings: FetchSettings
) -> SourceState:
    """Move the source to a permanent redirect's target once it has been seen N polls running."""
    if target is None or target == state.url:
        return replace(state, redirect_target=None, redirect_count=0)
    count = state.redirect_count + 1 if target == state.redirect_target else 1
    if count >= settings.permanent_redirect_polls:
        return replace(state, url=target, redirect_target=None, redirect_count=0)
    return replace(state, redirect_target=target, redirect_count=count)


def _backoff(
    error: Exception,
    failures: int,
    interval_seconds: int,
    settings: FetchSettings,
    rng: random.Random,
) -> float:
    """Seconds until the next try: the server's Retry-After if it gave one, else exponential."""
    cap = float(settings.backoff_max_seconds)
    retry_after = error.retry_after_seconds if isinstance(error, HttpStatusError) else None
    if retry_after is not None:
        # RFC 9110 §10.2.3: wait at least as long as asked, and never poll faster than usual.
        return min(max(retry_after, float(interval_seconds)), cap)
    exponential = interval_seconds * 2.0 ** min(failures, _MAX_DOUBLINGS)
    jittered = exponential * rng.uniform(1 - _JITTER, 1 + _JITTER)
    return min(jittered, cap)


def _describe(error: Exception) -> str:
    """A readable message: ours already are; anything else gets its type name in front."""
    if isinstance(error, SourceError) and str(error):
        return str(error)
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
