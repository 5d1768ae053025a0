"""Keep operator pages (/status, /status.json, /status/…, /metrics) to a token and/or loopback.

Status pages name every source with its health and last error: they are private by
default. Without an `[admin]` token they answer loopback clients only, whatever
`loopback_only` says; with one, they need it, as /metrics does.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

ADMIN_PATHS = frozenset({"/status", "/status.json", "/metrics"})
STATUS_PATHS = frozenset({"/status", "/status.json"})
_LOOPBACK = ("127.", "::1", "::ffff:127.")


def is_operator_page(path: str) -> bool:
    """Is this an operator page (any /status/… page added later included)?"""
    return path in ADMIN_PATHS or is_status_page(path)


def is_status_page(path: str) -> bool:
    """Is this a status page, private by default?"""
    return path in STATUS_PATHS or path.startswith("/status/")


@dataclass(frozen=True, slots=True)
class AdminAccess:
    """Who may read operator pages; by default status pages answer loopback clients only."""

    token_required: bool = False  # [admin] token_env is set
    token: str = ""  # its value; empty while required means nobody gets in (fail closed)
    loopback_only: bool = False


def refusal(access: AdminAccess, scope: Scope) -> int | None:
    """The status to refuse an operator-page request with, or None to let it through."""
    private = is_status_page(scope["path"]) and not access.token_required
    if access.loopback_only or private:
        client = scope.get("client")
        # the socket peer, never X-Forwarded-For: a header is the client's to invent
        if not client or not str(client[0]).startswith(_LOOPBACK):
            return 403
    if access.token_required:
        headers = dict(scope.get("headers", []))
        scheme, _, given = headers.get(b"authorization", b"").partition(b" ")
        if scheme.lower() != b"bearer" or not given.strip():
            return 401
        if not access.token or not hmac.compare_digest(given.strip(), access.token.encode()):
            return 403
    return None


class AdminGuard:
    """ASGI wrapper answering 401/403 on operator pages the request may not see."""

    def __init__(self, app: ASGIApp, access: AdminAccess) -> None:
        self.app, self.access = app, access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status = None
        if scope["type"] == "http" and is_operator_page(scope["path"]):
            status = refusal(self.access, scope)
        if status is None:
            await self.app(scope, receive, send)
            return
        body = b"authentication required\n" if status == 401 else b"forbidden\n"
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        if status == 401:
            headers.append((b"www-authenticate", b'Bearer realm="newsfeeds admin"'))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
