"""Errors raised while getting articles in; each message names what was wrong."""

from __future__ import annotations


class SourceError(Exception):
    """A source could not be read; the message says why, for a person."""


class FetchError(SourceError):
    """The upstream could not be fetched (network, HTTP status, limits)."""


class NotAFeedError(SourceError):
    """The body is not a feed (HTML page, empty, binary junk)."""


class NormalizeError(SourceError):
    """An item could not be turned into an Article (no title and no link, …)."""


class OptionError(SourceError):
    """A source's kind-specific option is wrong; names the source by id and the option."""

    def __init__(self, source_id: str, key: str, why: str) -> None:
        super().__init__(f"sources.{source_id}.{key}: {why}")
        self.key, self.why = key, why


class HttpStatusError(FetchError):
    """The upstream answered with an error status."""

    def __init__(self, url: str, status: int, retry_after_seconds: float | None = None) -> None:
        self.status = status
        self.retry_after_seconds = retry_after_seconds
        wait = "" if retry_after_seconds is None else f" (Retry-After {retry_after_seconds:g} s)"
        super().__init__(f"HTTP {status} from {url}{wait}")


class BadFile(SourceError):
    """A drop file that cannot be ingested; the message says why."""


Problem = dict[str, object]  # one entry of a refusal: {"item": i, "field": name, "reason": why}


def problem(index: int | None, name: str | None, reason: str) -> Problem:
    """One problem of a batch: which item, which field, why."""
    return {"item": index, "field": name, "reason": reason}


class RejectedBatch(SourceError):
    """A pushed batch refused whole, with every problem listed.

    `readable` is False when the body is not JSON at all (unreadable, too deeply nested),
    True when it is JSON whose articles are not acceptable.
    """

    def __init__(self, message: str, problems: list[Problem] | None = None, *, readable: bool):
        super().__init__(message)
        self.message, self.problems, self.readable = message, problems or [], readable

    @classmethod
    def nothing_stored(cls, problems: list[Problem]) -> RejectedBatch:
        """Articles that cannot be taken: the batch is refused whole, nothing stored."""
        return cls("invalid articles: nothing was stored", problems, readable=True)
