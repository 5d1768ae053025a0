"""Errors of getting feeds out; each message is fit to show the client or the operator."""


class Refused(Exception):
    """A request the service will not take: an HTTP status and a message for the client."""

    def __init__(self, status: int, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra
