"""Fetching against real HTTP servers on 127.0.0.1: validators, redirects, statuses, limits."""

from __future__ import annotations

import contextlib
import gzip
import random
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sources.errors import FetchError, HttpStatusError, NotAFeedError
from sources.kinds import feed
from sources.kinds.base import CollectContext
from sources.model.spec import FetchSettings, SourceSpec
from sources.model.state import SourceState
from sources.net import health
from sources.net.fetch import fetch

FIXTURES = Path(__file__).parent / "fixtures" / "feed"
FEED = (FIXTURES / "rss20_full.xml").read_bytes()
NOW = datetime(2024, 1, 1, tzinfo=UTC)
FAST = FetchSettings(timeout_seconds=1.0, deadline_seconds=3.0, host_gap_seconds=0.0)
SPEC = SourceSpec(id="wire", kind="feed", url="", interval_seconds=300, section="world")

Route = Callable[[BaseHTTPRequestHandler], None]


class QuietServer(ThreadingHTTPServer):
    """Daemon handler threads; a client hanging up is not an error worth a traceback."""

    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class Upstream:
    """A threaded HTTP server on 127.0.0.1 whose paths are plain functions; logs requests."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, dict[str, str], float]] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                upstream.seen.append((self.path, dict(self.headers.items()), time.monotonic()))
                route = upstream.routes.get(self.path, missing)
                # The client may hang up on purpose (deadline, size limit).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    route(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        """The absolute URL of a path on this server."""
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


def reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> None:
    """Send a complete response."""
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    if status != 304:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def missing(handler: BaseHTTPRequestHandler) -> None:
    """404 for paths a test did not set up."""
    reply(handler, 404, b"missing")


def route(status: int, body: bytes = b"", **headers: str) -> Route:
    """A route that always gives the same response (header names with _ for -)."""
    named = {name.replace("_", "-"): value for name, value in headers.items()}
    return lambda handler: reply(handler, status, body, named)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_200_sends_polite_headers_and_returns_validators(upstream: Upstream) -> None:
    upstream.routes["/feed"] = route(
        200, FEED, Content_Type="application/rss+xml", ETag='"v1"', Last_Modified="Mon, 01 Jan"
    )
    got = fetch(upstream.url("/feed"), FAST, now=NOW)
    assert (got.status, got.body, got.etag, got.last_modified) == (200, FEED, '"v1"', "Mon, 01 Jan")
    assert got.content_type == "application/rss+xml"
    assert got.final_url == upstream.url("/feed") and got.permanent_redirect is None
    headers = upstream.seen[0][1]
    assert headers["User-Agent"] == FAST.user_agent
    assert headers["Accept-Encoding"] == "gzip, deflate"
    assert "If-None-Match" not in headers


def chunked(body: bytes, **headers: str) -> Route:
    """A route sending the body in 100-byte chunks (Transfer-Encoding: chunked)."""

    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        for start in range(0, len(body), 100):
            part = body[start : start + 100]
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        handler.wfile.write(b"0\r\n\r\n")

    return send


def test_gzip_body_is_decoded_plain_or_chunked(upstream: Upstream) -> None:
    upstream.routes["/feed"] = route(200, gzip.compress(FEED), Content_Encoding="gzip")
    upstream.routes["/chunked"] = chunked(gzip.compress(FEED), Content_Encoding="gzip")
    assert fetch(upstream.url("/feed"), FAST, now=NOW).body == FEED
    assert fetch(upstream.url("/chunked"), FAST, now=NOW).body == FEED


def test_304_sends_validators_and_collect_parses_nothing(upstream: Upstream) -> None:
    upstream.routes["/feed"] = route(304, ETag='"v1"')
    state = SourceState("wire", upstream.url("/feed"), etag='"v1"', last_modified="Mon, 01 Jan")
    got = feed.collect(SPEC, state, CollectContext(now=NOW, fetch=FAST))
    # An empty body would raise NotAFeedError if it were parsed.
    assert got.not_modified and got.items == () and got.etag == '"v1"'
    headers = upstream.seen[0][1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Mon, 01 Jan"


def test_301_is_reported_and_moves_the_source_after_n_polls(upstream: Upstream) -> None:
    upstream.routes["/old"] = route(301, Location="/new")
    upstream.routes["/new"] = route(200, FEED, Content_Type="application/rss+xml")
    settings = FetchSettings(host_gap_seconds=0.0, permanent_redirect_polls=3)
    state = SourceState("wire", upstream.url("/old"))
    urls = []
    for _ in range(3):
        collected = feed.collect(SPEC, state, CollectContext(now=NOW, fetch=settings))
        assert collected.permanent_redirect == upstream.url("/new") and collected.items
        state = health.after_success(
            state, collected, now=NOW, interval_seconds=300, settings=settings
        )
        urls.append(state.url)
    assert urls == [upstream.url("/old"), upstream.url("/old"), upstream.url("/new")]


def test_302_is_followed_but_not_recorded(upstream: Upstream) -> None:
    upstream.routes["/old"] = route(302, Location=upstream.url("/new"))
    upstream.routes["/new"] = route(200, FEED)
    got = fetch(upstream.url("/old"), FAST, now=NOW)
    assert got.body == FEED and got.final_url == upstream.url("/new")
    assert got.permanent_redirect is None


def test_a_temporary_hop_ends_the_permanent_part_of_a_chain(upstream: Upstream) -> None:
    upstream.routes["/a"] = route(308, Location="/b")
    upstream.routes["/b"] = route(307, Location="/c")
    upstream.routes["/c"] = route(200, FEED)
    got = fetch(upstream.url("/a"), FAST, now=NOW)
    assert got.final_url == upstream.url("/c")
    assert got.permanent_redirect == upstream.url("/b")


def test_redirect_loop_and_long_chain_are_refused(upstream: Upstream) -> None:
    upstream.routes["/a"] = route(301, Location="/b")
    upstream.routes["/b"] = route(302, Location="/a")
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(upstream.url("/a"), FAST, now=NOW)
    for hop in range(7):
        upstream.routes[f"/r{hop}"] = route(302, Location=f"/r{hop + 1}")
    upstream.routes["/r7"] = route(200, FEED)
    with pytest.raises(FetchError, match="too many redirects"):
        fetch(upstream.url("/r0"), FAST, now=NOW)
    upstream.routes["/r2"] = route(200, FEED)  # five hops or fewer are followed
    assert fetch(upstream.url("/r0"), FAST, now=NOW).body == FEED


def test_redirect_to_a_local_file_is_refused(upstream: Upstream) -> None:
    upstream.routes["/feed"] = route(301, Location="file:///etc/passwd")
    with pytest.raises(FetchError, match="not http"):
        fetch(upstream.url("/feed"), FAST, now=NOW)


def test_410_retires_the_source_after_n_polls(upstream: Upstream) -> None:
    upstream.routes["/feed"] = route(410, b"gone")
    settings = FetchSettings(host_gap_seconds=0.0, gone_polls=2)
    state = SourceState("wire", upstream.url("/feed"))
    retired = []
    for _ in range(2):
        with pytest.raises(HttpStatusError) as caught:
            fetch(state.url, settings, now=NOW)
        assert caught.value.status == 410
        state = health.after_failure(
            state,
            caught.value,
            now=NOW,
            interval_seconds=300,
            settings=settings,
            rng=random.Random(1),
        )
        retired.append(state.retired)
    assert retired == [False, True]
    assert state.last_error == f"HTTP 410 from {upstream.url('/feed')}"


@pytest.mark.parametrize(
    ("status", "retry_after", "seconds"),
    [(429, "120", 120.0), (429, "Mon, 01 Jan 2024 00:05:00 GMT", 300.0), (503, "30", 30.0)],
)
def test_retry_after_in_seconds_or_as_a_date(
    upstream: Upstream, status: int, retry_after: str, seconds: float
) -> None:
    upstream.routes["/feed"] = route(status, Retry_After=retry_after)
    with pytest.raises(HttpStatusError) as caught:
        fetch(upstream.url("/feed"), FAST, now=NOW)
    assert (caught.value.status, caught.value.retry_after_seconds) == (status, seconds)
    assert f"HTTP {status} from" in str(caught.value)
    assert f"(Retry-After {seconds:g} s)" in str(caught.value)


def test_500_backs_off(upstream: Upstream) -> None:
    upstream.routes["/feed"] = route(500, b"oops")
    state = SourceState("wire", upstream.url("/feed"), consecutive_failures=2)
    with pytest.raises(HttpStatusError) as caught:
        fetch(state.url, FAST, now=NOW)
    assert caught.value.retry_after_seconds is None
    after = health.after_failure(
        state, caught.value, now=NOW, interval_seconds=300, settings=FAST, rng=random.Random(7)
    )
    assert after.next_due is not None and after.consecutive_failures == 3
    assert 0.8 * 2400 <= (after.next_due - NOW).total_seconds() <= 1.2 * 2400


def late(answered: threading.Event) -> Route:
    """Answer after 1.5 s, and say when the answer went out."""

    def send(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(1.5)
        reply(handler, 200, FEED)
        answered.set()

    return send


def test_read_timeout(upstream: Upstream) -> None:
    answered = threading.Event()
    upstream.routes["/feed"] = late(answered)
    settings = FetchSettings(timeout_seconds=0.3, host_gap_seconds=0.0)
    with pytest.raises(FetchError, match="timed out"):
        fetch(upstream.url("/feed"), settings, now=NOW)
    # the fetch gave up before the late answer was sent, not by waiting for it
    assert not answered.is_set()


def drip(sent: list[int]) -> Route:
    """Promise 1000 bytes and send one every 0.2 s: never slow enough for a read timeout.

    `sent` counts the bytes written, so a test can tell how far the body got.
    """

    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        for _ in range(1000):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            sent.append(1)
            time.sleep(0.2)

    return send


def test_a_dripping_server_is_cut_at_the_deadline(upstream: Upstream) -> None:
    sent: list[int] = []
    upstream.routes["/feed"] = drip(sent)
    settings = FetchSettings(timeout_seconds=1.0, deadline_seconds=1.5, host_gap_seconds=0.0)
    with pytest.raises(FetchError, match="deadline"):
        fetch(upstream.url("/feed"), settings, now=NOW)
    # cut while the body was still arriving: far from all of it (one byte per 0.2 s)
    assert 0 < len(sent) < 1000


def stream_without_length(body: bytes) -> Route:
    """A close-delimited body: no Content-Length to refuse it early."""

    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        for start in range(0, len(body), 65536):
            handler.wfile.write(body[start : start + 65536])

    return send


@pytest.mark.parametrize("declared", [True, False])
def test_oversized_body_is_refused(upstream: Upstream, declared: bool) -> None:
    big = b"<rss>" + b" " * 2_000_000
    upstream.routes["/feed"] = route(200, big) if declared else stream_without_length(big)
    settings = FetchSettings(max_bytes=1_000_000, host_gap_seconds=0.0)
    with pytest.raises(FetchError, match="larger than max_bytes"):
        fetch(upstream.url("/feed"), settings, now=NOW)


def gzip_of_zeros(size: int) -> bytes:
    """gzip of `size` zero bytes, built without holding them all."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1_000_000)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, packer.flush()])


def test_gzip_bomb_is_refused_without_inflating_it(upstream: Upstream) -> None:
    bomb = gzip_of_zeros(50_000_000)
    assert len(bomb) < 100_000
    upstream.routes["/feed"] = route(200, bomb, Content_Encoding="gzip")
    settings = FetchSettings(max_bytes=1_000_000, host_gap_seconds=0.0)
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="larger than max_bytes"):
            fetch(upstream.url("/feed"), settings, now=NOW)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000  # inflating it all would hold 50 MB


def test_html_page_empty_body_and_wrong_content_type(upstream: Upstream) -> None:
    upstream.routes["/html"] = route(200, b"<!DOCTYPE html><p>Hi</p>", Content_Type="text/html")
    upstream.routes["/empty"] = route(200, b"", Content_Type="application/rss+xml")
    upstream.routes["/plain"] = route(200, FEED, Content_Type="application/octet-stream")
    ctx = CollectContext(now=NOW, fetch=FAST)
    with pytest.raises(NotAFeedError, match="not a feed: got text/html"):
        feed.collect(SPEC, SourceState("wire", upstream.url("/html")), ctx)
    with pytest.raises(NotAFeedError, match="empty body"):
        feed.collect(SPEC, SourceState("wire", upstream.url("/empty")), ctx)
    collected = feed.collect(SPEC, SourceState("wire", upstream.url("/plain")), ctx)
    assert len(collected.items) == 2


def fetch_in_threads(urls: list[str], settings: FetchSettings) -> None:
    """Fetch the URLs at the same time, one thread each."""
    kwargs = {"now": NOW}
    threads = [threading.Thread(target=fetch, args=(u, settings), kwargs=kwargs) for u in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def slow(handler: BaseHTTPRequestHandler) -> None:
    """Answer after 0.3 s."""
    time.sleep(0.3)
    reply(handler, 200, FEED)


def test_one_request_at_a_time_per_host_and_port() -> None:
    first, second = Upstream(), Upstream()
    for server in (first, second):
        server.routes["/feed"] = slow
        server.thread.start()
    try:
        settings = FetchSettings(host_gap_seconds=0.4)
        fetch_in_threads([first.url("/feed"), first.url("/feed")], settings)
        first.routes["/other"] = slow
        fetch_in_threads([first.url("/other"), second.url("/feed")], FAST)
    finally:
        for server in (first, second):
            server.server.shutdown()
            server.server.server_close()
    same = sorted(at for path, _, at in first.seen if path == "/feed")
    assert same[1] - same[0] >= 0.3 + 0.4 - 0.05  # the first answer, then the gap
    apart = abs(first.seen[-1][2] - second.seen[-1][2])
    assert apart < 0.2  # different ports are different upstreams


def test_local_file_gives_not_modified_while_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED)
    first = fetch(str(path), FAST, now=NOW)
    assert (first.status, first.body) == (200, FEED) and first.etag
    again = fetch(path.as_uri(), FAST, etag=first.etag, now=NOW)
    assert (again.status, again.body) == (304, b"")
    path.write_bytes(FEED.replace(b"Weather", b"Climate"))
    assert fetch(str(path), FAST, etag=first.etag, now=NOW).status == 200
    with pytest.raises(FetchError, match="larger than max_bytes"):
        fetch(str(path), FetchSettings(max_bytes=100), now=NOW)
    with pytest.raises(FetchError, match="could not read"):
        fetch(str(tmp_path / "missing.xml"), FAST, now=NOW)
