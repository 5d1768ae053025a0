"""Partner feeds' access: the credentials a partner must send, checked before any lookup.

A partner's `auth_env` holds either `user:password` (HTTP Basic, RFC 7617) or a bare token
sent as `Authorization: Bearer <token>` (RFC 6750 §2.1); MSN accepts either kind. Without
`auth_env` the partner's feeds are open, like the public ones.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feeds.metrics import HTTP_RESPONSES


class PartnerGate:
    """Answers 401 to a request for a guarded partner's feed without its credentials."""

    def __init__(self, inner: ASGIApp, secrets: Mapping[str, str]) -> None:
        self.inner = inner
        self.secrets = dict(secrets)  # partner id -> the value of its auth_env

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        parts = scope["path"].split("/", 3)  # "", "partners", id, rest
        secret = self.secrets.get(parts[2]) if len(parts) > 3 else None
        if secret is None:
            await self.inner(scope, receive, send)
            return
        # an auth_env that is set but empty admits nobody
        if not (secret and is_authorized(_authorization(scope), secret)):
            await _unauthorized(send, secret)
            return
        await self.inner(scope, receive, _private(send))


def _private(send: Send) -> Send:
    """Mark the answer private: a shared cache must not give it to a caller without the
    credentials (RFC 9111 §3.5 lets it store an authorized answer marked public)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = dict(message)
            message["headers"] = [
                (k, v.replace(b"public", b"private") if k == b"cache-control" else v)
                for k, v in message["headers"]
            ]
        await send(message)

    return sending


def is_authorized(header: str | None, secret: str) -> bool:
    """Does this Authorization header carry the secret (Basic for user:pass, else Bearer)?"""
    if header is None:
        return False
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if ":" in secret:
        if scheme.lower() != "basic":
            return False
        try:
            sent = base64.b64decode(value, validate=True)
        except ValueError:
            return False
        return hmac.compare_digest(sent, secret.encode("utf-8"))
    return scheme.lower() == "bearer" and hmac.compare_digest(
        value.encode("utf-8"), secret.encode("utf-8")
    )


def _authorization(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == b"authorization":
            return str(value.decode("latin-1"))
    return None


async def _unauthorized(send: Send, secret: str) -> None:
    """401 with the challenge of the scheme this partner uses (RFC 9110 §11.6.1)."""
    challenge = b'Basic realm="partners"' if ":" in secret else b'Bearer realm="partners"'
    body = b"credentials required\n"
    HTTP_RESPONSES.labels("401").inc()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", challenge),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})
