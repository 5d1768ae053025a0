"""Errors raised while getting articles in; each message names what was wrong."""


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
