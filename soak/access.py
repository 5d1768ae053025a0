"""Access: the push API and operator pages refuse what they must, no route walks out of its
tree, and no error answer reveals a path, a stack trace, a token or a setting."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from soak import producers
from soak.figures import Figure, skipped
from soak.service import ROOT, Setup, free_port, running

PHASE = "access"
ADMIN_TOKEN = "soak-admin-2b8e61f0c3"
ADMIN_PAGES = ("/status", "/status.json", "/metrics")
ROUTES = (
    "/",
    "/feeds/",
    "/feeds/section/",
    "/feeds.opml",
    "/feeds/style.xsl",
    "/healthz",
    "/status",
    "/metrics",
    "/api/articles",
    "/api/articles/x",
    "/static/",
)
TRAVERSALS = (
    "../../../../etc/passwd",
    "..%2f..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "..\\..\\..\\etc\\passwd",
    "....//....//etc/passwd",
    "%2e%2e%5c%2e%2e%5cconfig.toml",
    "../config.toml",
    "..%00/config.toml",
    "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "./../pyproject.toml",
    "..;/..;/config.toml",
)
# what a leaked file or page would contain
FILE_SIGNS = (b"root:x:0:0", b"[site]", b"SQLite format 3", b"[build-system]")


@dataclass
class Tally:
    """Attempts, the ones that got through, and error bodies that said too much."""

    attempts: int = 0
    successes: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    secrets: tuple[str, ...] = ()

    def note(self, what: str, status: int, body: bytes, *, got_through: bool) -> None:
        self.attempts += 1
        if got_through:
            self.successes.append(f"{what} -> {status}")
        if status >= 400:
            for needle in ("/work", "Traceback", 'File "', str(ROOT), "/tmp/", *self.secrets):
                if needle.encode() in body:
                    self.leaks.append(f"{what} -> {status} reveals {needle!r}")


def request(
    setup: Setup,
    method: str,
    target: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """One request with the target sent exactly as written (no normalization)."""
    conn = http.client.HTTPConnection(setup.host, setup.port, timeout=15)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None and "Transfer-Encoding" not in (headers or {}):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body is not None:
            conn.send(body)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _json(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Content-Type": "application/json", **(extra or {})}


def push_attempts(
    setup: Setup, limit: int
) -> Iterator[tuple[str, str, str, bytes, dict[str, str]]]:
    """(what, method, target, body, headers) of every push-API request that must be refused."""
    good = json.dumps(producers.record("access-probe", 1)).encode()
    bearer = {"Authorization": f"Bearer {producers.API_TOKEN}"}
    yield "push without a token", "POST", "/api/articles", good, _json()
    yield (
        "push with a wrong token",
        "POST",
        "/api/articles",
        good,
        _json({"Authorization": "Bearer nope"}),
    )
    yield (
        "push with a token prefix",
        "POST",
        "/api/articles",
        good,
        _json({"Authorization": f"Bearer {producers.API_TOKEN[:-1]}"}),
    )
    yield (
        "push with Basic auth",
        "POST",
        "/api/articles",
        good,
        _json({"Authorization": f"Basic {producers.API_TOKEN}"}),
    )
    yield (
        "push with token in query",
        "POST",
        f"/api/articles?token={producers.API_TOKEN}",
        good,
        _json(),
    )
    yield (
        "push with access_token in query",
        "POST",
        f"/api/articles?access_token={producers.API_TOKEN}",
        good,
        _json(),
    )
    yield "push oversized body", "POST", "/api/articles", b" " * (limit + 1) + good, _json(bearer)
    chunk = b"%x\r\n%s\r\n0\r\n\r\n" % (limit + 10, b" " * (limit + 10))
    yield (
        "push oversized chunked body",
        "POST",
        "/api/articles",
        chunk,
        _json({**bearer, "Transfer-Encoding": "chunked"}),
    )
    for ctype in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "",
    ):
        yield (
            f"push as {ctype or 'no type'}",
            "POST",
            "/api/articles",
            good,
            {**bearer, "Content-Type": ctype},
        )
    yield (
        "push nested 100k deep",
        "POST",
        "/api/articles",
        b"[" * 100_000 + b"]" * 100_000,
        _json(bearer),
    )
    yield "push invalid UTF-8", "POST", "/api/articles", b'{"title": "\xff\xfe"}', _json(bearer)
    yield "push not JSON", "POST", "/api/articles", b"<rss/>", _json(bearer)
    yield "delete without a token", "DELETE", "/api/articles/soak-push-1", b"", {}
    yield "push via GET", "GET", f"/api/articles?token={producers.API_TOKEN}", b"", {}


def admin_attempts() -> Iterator[tuple[str, str, dict[str, str]]]:
    """(what, target, headers) of operator-page requests that must be refused."""
    for page in ADMIN_PAGES:
        yield f"{page} without a token", page, {}
        yield f"{page} wrong token", page, {"Authorization": "Bearer wrong"}
        yield f"{page} push token", page, {"Authorization": f"Bearer {producers.API_TOKEN}"}
        yield f"{page} token in query", f"{page}?token={ADMIN_TOKEN}", {}
        yield f"{page} with X-Forwarded-For", page, {"X-Forwarded-For": "127.0.0.1"}
        for variant in (
            page + "/",
            "/" + page,
            page.upper(),
            page + "%2f",
            page.replace("/", "/%2e/"),
            "/feeds/.." + page,
            page + ";x",
            page + "?",
        ):
            yield f"{variant} variant", variant, {}


def local_address() -> str | None:
    """A non-loopback IPv4 address of this machine (no packet is sent), or None."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
            address = str(s.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def loopback_only(work: Path) -> tuple[int, int] | None:
    """(refused admin requests, feed answer) from a non-loopback peer; None if none exists."""
    address = local_address()
    if address is None:
        return None
    work.mkdir(parents=True, exist_ok=True)
    setup = Setup(
        work, free_port(), work / "lo.db", host=address, extra="\n[admin]\nloopback_only = true\n"
    )
    with running(setup):
        refused = sum(request(setup, "GET", p)[0] == 403 for p in ADMIN_PAGES)
        feed = request(setup, "GET", "/feeds/latest.json")[0]
    return refused, feed


def _admin_succeeded(page: str, status: int, body: bytes) -> bool:
    """An operator page's content came back (a redirect or refusal is not a success)."""
    signs = {"/status": b"Source status", "/status.json": b'"sources"', "/metrics": b"# HELP"}
    return status == 200 and any(s in body for s in signs.values())


def sweep(setup: Setup, limit: int, secrets: tuple[str, ...]) -> Tally:
    """Every attempt against one running service."""
    t = Tally(secrets=secrets)
    for what, method, target, body, headers in push_attempts(setup, limit):
        status, got = request(setup, method, target, body, headers)
        t.note(what, status, got, got_through=200 <= status < 300)
    for what, target, headers in admin_attempts():
        status, got = request(setup, "GET", target, None, headers)
        t.note(what, status, got, got_through=_admin_succeeded(target, status, got))
    for route in ROUTES:
        for trail in TRAVERSALS:
            for method in ("GET", "DELETE") if route.startswith("/api") else ("GET",):
                target = route + trail
                status, got = request(
                    setup,
                    method,
                    target,
                    None,
                    {"Authorization": f"Bearer {producers.API_TOKEN}"}
                    if method == "DELETE"
                    else {},
                )
                leaked = any(sign in got for sign in FILE_SIGNS)
                t.note(
                    f"{method} {target}",
                    status,
                    got,
                    got_through=leaked or (method == "DELETE" and status < 300),
                )
    return t


def allowed(setup: Setup) -> tuple[int, int]:
    """The statuses with the right admin token and a good push: the controls that must pass."""
    status, _ = request(
        setup, "GET", "/status.json", None, {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    good = json.dumps(producers.record("access-control", 2)).encode()
    pushed, _ = request(
        setup,
        "POST",
        "/api/articles",
        good,
        _json({"Authorization": f"Bearer {producers.API_TOKEN}"}),
    )
    return status, pushed


def run(work: Path) -> list[Figure]:
    """Start the service with push and admin tokens configured and try everything."""
    limit = 200_000
    setup = Setup(
        work,
        free_port(),
        work / "access.db",
        extra='\n[admin]\ntoken_env = "SOAK_ADMIN_TOKEN"\n',
        env={"SOAK_API_TOKENS": producers.API_TOKEN, "SOAK_ADMIN_TOKEN": ADMIN_TOKEN},
    )
    secrets = (producers.API_TOKEN, ADMIN_TOKEN, str(setup.store_path), str(work))
    with running(setup):
        t = sweep(setup, limit, secrets)
        admin_ok, push_ok = allowed(setup)
    controls_ok = admin_ok == 200 and push_ok == 202
    lo = loopback_only(work / "loopback")
    lo_row = (
        skipped(PHASE, "loopback_only from another address", "no non-loopback address here")
        if lo is None
        else Figure(
            PHASE,
            "loopback_only: admin pages refused to a non-loopback peer",
            f"{lo[0]}/{len(ADMIN_PAGES)}",
            f"{len(ADMIN_PAGES)}/{len(ADMIN_PAGES)}, feeds 200",
            lo[0] == len(ADMIN_PAGES) and lo[1] == 200,
            f"feeds answered {lo[1]}",
        )
    )
    return [
        lo_row,
        Figure(
            PHASE,
            "attempts",
            t.attempts,
            "",
            None,
            "push API without/wrong/query token, oversized, wrong types; admin pages; "
            f"{len(TRAVERSALS)} traversals on {len(ROUTES)} routes",
        ),
        Figure(
            PHASE, "successes", len(t.successes), "0", not t.successes, "; ".join(t.successes[:5])
        ),
        Figure(
            PHASE,
            "error bodies revealing paths, traces, tokens or config",
            len(t.leaks),
            "0",
            not t.leaks,
            "; ".join(t.leaks[:5]),
        ),
        Figure(
            PHASE,
            "controls: right admin token, right push token",
            f"{admin_ok}, {push_ok}",
            "200, 202",
            controls_ok,
        ),
    ]
