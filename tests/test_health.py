"""Health transitions after a poll: pure functions with a fixed `now` and a seeded rng."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest

from sources.errors import FetchError, HttpStatusError, NotAFeedError
from sources.kinds.base import Collected
from sources.model.spec import FetchSettings
from sources.model.state import SourceState
from sources.net.health import after_failure, after_success

NOW = datetime(2024, 1, 1, 12, tzinfo=UTC)
SETTINGS = FetchSettings(backoff_max_seconds=3600, permanent_redirect_polls=3, gone_polls=3)
OLD, NEW = "https://old.example.com/feed", "https://new.example.com/feed"


def succeed(state: SourceState, collected: Collected) -> SourceState:
    """after_success with the module's clock and settings, interval 300 s."""
    return after_success(state, collected, now=NOW, interval_seconds=300, settings=SETTINGS)


def fail(state: SourceState, error: Exception, seed: int = 0) -> SourceState:
    """after_failure with the module's clock and settings, interval 300 s."""
    return after_failure(
        state, error, now=NOW, interval_seconds=300, settings=SETTINGS, rng=random.Random(seed)
    )


def test_success_resets_failures_and_stores_validators() -> None:
    sick = SourceState(
        "wire", OLD, etag='"a"', consecutive_failures=4, gone_count=2, last_error="HTTP 500"
    )
    state = succeed(sick, Collected(etag='"b"', last_modified="Tue, 02 Jan 2024"))
    assert (state.consecutive_failures, state.gone_count, state.last_error) == (0, 0, None)
    assert (state.etag, state.last_modified) == ('"b"', "Tue, 02 Jan 2024")
    assert state.last_success == state.last_attempt == NOW
    assert state.next_due == NOW + timedelta(seconds=300)


def test_304_keeps_the_old_validators_unless_new_ones_come() -> None:
    state = SourceState("wire", OLD, etag='"a"', last_modified="Mon, 01 Jan 2024")
    kept = succeed(state, Collected(not_modified=True))
    assert (kept.etag, kept.last_modified) == ('"a"', "Mon, 01 Jan 2024")
    assert succeed(state, Collected(not_modified=True, etag='"c"')).etag == '"c"'
    assert succeed(state, Collected(etag=None)).etag is None  # a 200 without one drops it


def test_permanent_redirect_moves_the_url_after_n_consecutive_polls() -> None:
    state = SourceState("wire", OLD)
    seen = []
    for _ in range(3):
        state = succeed(state, Collected(permanent_redirect=NEW))
        seen.append((state.url, state.redirect_target, state.redirect_count))
    assert seen == [(OLD, NEW, 1), (OLD, NEW, 2), (NEW, None, 0)]


def test_a_different_target_restarts_the_count_and_no_redirect_clears_it() -> None:
    state = SourceState("wire", OLD, redirect_target=NEW, redirect_count=2)
    other = succeed(state, Collected(permanent_redirect="https://third.example.com/"))
    assert (other.redirect_target, other.redirect_count, other.url) == (
        "https://third.example.com/",
        1,
        OLD,
    )
    cleared = succeed(state, Collected())
    assert (cleared.redirect_target, cleared.redirect_count) == (None, 0)


def test_success_keeps_memo_unless_replaced() -> None:
    state = SourceState("wire", OLD, memo=MappingProxyType({"a": "1"}))
    assert succeed(state, Collected()).memo == {"a": "1"}
    assert succeed(state, Collected(memo=MappingProxyType({"b": "2"}))).memo == {"b": "2"}


@pytest.mark.parametrize("failures", [0, 1, 2, 3])
def test_failure_backs_off_exponentially_with_jitter(failures: int) -> None:
    state = SourceState("wire", OLD, consecutive_failures=failures)
    after = fail(state, FetchError("could not fetch"))
    assert after.next_due is not None
    delay = (after.next_due - NOW).total_seconds()
    base = 300 * 2 ** (failures + 1)
    assert min(0.8 * base, 3600) <= delay <= min(1.2 * base, 3600)
    assert after.consecutive_failures == failures + 1
    assert (after.last_attempt, after.last_error) == (NOW, "could not fetch")


def test_jitter_spreads_sources_that_failed_together() -> None:
    state = SourceState("wire", OLD)
    dues = {fail(state, FetchError("down"), seed=seed).next_due for seed in range(10)}
    assert len(dues) == 10


def test_backoff_is_capped_even_after_many_failures() -> None:
    after = fail(SourceState("wire", OLD, consecutive_failures=500), FetchError("down"))
    assert after.next_due == NOW + timedelta(seconds=3600)


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [(1200.0, 1200.0), (10.0, 300.0), (86400.0, 3600.0)],
)
def test_retry_after_sets_the_next_due_time(retry_after: float, expected: float) -> None:
    error = HttpStatusError(OLD, 429, retry_after)
    after = fail(SourceState("wire", OLD), error)
    assert after.next_due == NOW + timedelta(seconds=expected)
    assert after.last_error == f"HTTP 429 from {OLD} (Retry-After {retry_after:g} s)"


def test_410_retires_after_n_consecutive_and_other_errors_reset_the_count() -> None:
    gone = HttpStatusError(OLD, 410)
    state = fail(fail(SourceState("wire", OLD), gone), gone)
    assert (state.gone_count, state.retired) == (2, False)
    interrupted = fail(state, NotAFeedError("not a feed: empty body"))
    assert (interrupted.gone_count, interrupted.retired) == (0, False)
    assert fail(state, gone).retired


def test_an_unexpected_error_gets_a_readable_message() -> None:
    after = fail(SourceState("wire", OLD), ValueError("bad value"))
    assert after.last_error == "ValueError: bad value"
    assert fail(SourceState("wire", OLD), KeyError()).last_error == "KeyError"
