"""Errors raised while getting articles in; each message names what was wrong."""


class SourceError(Exception):
    """A source could not be read; the message says why, for a person."""


class FetchError(SourceError):
    """The upstream could not be fetched (network, HTTP status, limits)."""


class NotAFeedError(SourceError):
    """The body is not a feed (HTML page, empty, binary junk)."""


class NormalizeError(SourceError):
    """An item could not be turned into an Article (no title and no link, …)."""


class HttpStatusError(FetchError):
    """The upstream answered with an error status."""

    def __init__(self, url: str, status: int, retry_after_seconds: float | None = None) -> None:
        self.status = status
        self.retry_after_seconds = retry_after_seconds
        wait = "" if retry_after_seconds is None else f" (Retry-After {retry_after_seconds:g} s)"
        super().__init__(f"HTTP {status} from {url}{wait}")


class BadFile(SourceError):
    """A drop file that cannot be ingested; the message says why."""
