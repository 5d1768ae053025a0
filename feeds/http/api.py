"""The push API: a CMS posts articles (or withdraws one) with a bearer token."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from feeds.archive import availability
from feeds.errors import Refused
from feeds.intake.push import PushIntake
from feeds.metrics import PUSH_REQUESTS
from sources.errors import RejectedBatch

log = logging.getLogger(__name__)
T = TypeVar("T")

_QUERY_TOKENS = ("token", "access_token", "api_key", "apikey", "key", "auth")
# when to try again after the archive could not commit (a full disk, a server restarting)
RETRY_AFTER_SECONDS = 30


@dataclass(frozen=True, slots=True)
class PushSettings:
    """Plain values the push API needs: tokens (token -> name) and the body limit."""

    tokens: Mapping[str, str]
    max_body_bytes: int


def parse_tokens(text: str) -> MappingProxyType[str, str]:
    """`name:token, token2` -> {token: name}; bare tokens are named token1, token2 …."""
    out: dict[str, str] = {}
    for i, part in enumerate(p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, token = part.partition(":")
        if not sep:
            name, token = f"token{i + 1}", part
        if token.strip():
            out[token.strip()] = name.strip() or f"token{i + 1}"
    return MappingProxyType(out)


class PushApi:
    """POST /api/articles and DELETE /api/articles/{id}; `on_change` gets the feeds to rebuild."""

    def __init__(
        self,
        intake: PushIntake,
        settings: PushSettings,
        *,
        on_change: Callable[[set[str]], None],
        now: Callable[[], datetime],
    ) -> None:
        self.intake, self.settings, self.on_change, self.now = intake, settings, on_change, now

    def routes(self) -> list[Route]:
        """The Starlette routes to mount."""
        return [
            Route("/api/articles", self.post, methods=["POST"]),
            Route("/api/articles/{ref:path}", self.delete, methods=["DELETE"]),
        ]

    async def post(self, request: Request) -> Response:
        """Validate every article, then store them all durably; 202 after the commit."""
        try:
            actor = self._authenticate(request)
            _require_json(request)
            body = await _read_body(request, self.settings.max_body_bytes)
            done = await _committed(self.intake.post, body, actor=actor, now=self.now())
        except Refused as exc:
            return _refusal(exc)
        except RejectedBatch as exc:  # unreadable JSON is a bad request; bad articles, 422
            status = 422 if exc.readable else 400
            return _refusal(Refused(status, exc.message, problems=exc.problems))
        self._changed(done.feeds)
        answer = {"accepted": len(done.articles), **done.summary()}
        return _answer(202, {**answer, "ignored": done.ignored} if done.ignored else answer)

    async def delete(self, request: Request) -> Response:
        """Withdraw one article by its id, guid or the id it was posted with."""
        try:
            actor = self._authenticate(request)
            ref = request.path_params["ref"]
            done = await _committed(self.intake.withdraw, ref, actor=actor, now=self.now())
        except Refused as exc:
            return _refusal(exc)
        if done is None:
            return _refusal(Refused(404, "no article has that id, guid or upstream id"))
        self._changed(done.feeds)
        return _answer(202, {"withdrawn": done.summary()["articles"]})

    def _changed(self, feeds: set[str]) -> None:
        """Ask for the affected feeds (before and after) to be rebuilt and pinged now."""
        if feeds:
            try:
                self.on_change(feeds)
            except Exception:  # the articles are committed; the periodic rebuild catches up
                log.exception("could not request a rebuild after a push")

    def _authenticate(self, request: Request) -> str:
        """The token's name; 404 without tokens configured, 400/401/403 for a bad token."""
        if not self.settings.tokens:
            # Not 403 ("this token is not accepted"): no token could be. 404, as for any
            # feature a server does not offer (RFC 9110 §15.5.5), and not 503, which a CMS
            # would retry for ever; the message says why and no auth challenge is sent.
            raise Refused(404, "the push API is not enabled here: no push tokens are configured")
        if any(k.lower() in _QUERY_TOKENS for k in request.query_params):
            # a URL ends up in logs and proxies: never accept a secret there (RFC 6750 §5.3)
            raise Refused(400, "send the token in the Authorization header, not in the URL")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused(401, "a bearer token is required")
        given = token.strip().encode()
        name = None
        for known, known_name in self.settings.tokens.items():
            if hmac.compare_digest(given, known.encode()):  # constant time, per token
                name = known_name
        if name is None:
            raise Refused(403, "this token is not accepted")
        return name


async def _committed(write: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Run an archive write off the event loop; 503 when the archive cannot commit now.

    A full disk, a database server that is down or a corrupt archive is no fault of the
    request: the transaction rolled back, nothing is stored, and the client should retry
    (RFC 9110 §15.6.4 503, §10.2.3 Retry-After).
    """
    try:
        return await run_in_threadpool(write, *args, **kwargs)
    except Exception as exc:
        if not availability.cannot_commit(exc):
            raise
        log.warning("push refused, the archive cannot commit: %s", availability.describe(exc))
        raise Refused(503, "the archive cannot store articles now; nothing was stored") from exc


def _require_json(request: Request) -> None:
    """415 unless the body is declared JSON (application/json or any +json type)."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json" and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        raise Refused(415, "send the articles as application/json")


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refusing (413) anything over the limit by its declared or real length."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise Refused(400, "Content-Length is not a number")
        if int(declared) > limit:
            raise Refused(413, f"the body is over the {limit}-byte limit")
    chunks, size = [], 0
    async for chunk in request.stream():  # count too: chunked bodies declare no length
        size += len(chunk)
        if size > limit:
            raise Refused(413, f"the body is over the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _refusal(exc: Refused) -> Response:
    headers = {"www-authenticate": 'Bearer realm="newsfeeds"'} if exc.status == 401 else None
    if exc.status == 503:
        headers = {"retry-after": str(RETRY_AFTER_SECONDS)}
    return _answer(exc.status, {"error": exc.message, **exc.extra}, headers)


def _answer(
    status: int, body: dict[str, object], headers: dict[str, str] | None = None
) -> Response:
    PUSH_REQUESTS.labels(str(status)).inc()
    return JSONResponse(
        body, status_code=status, headers={"cache-control": "no-store", **(headers or {})}
    )
