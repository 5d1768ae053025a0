"""HTTP limits of the embedded server: header size, header and idle time, connections.

Issue 17, case 5: a 10 MB header was accepted; 20 connections sending 50 MB unfinished
headers took 1 GB; 1,100 idle connections against a 1,024 open-file limit made 59 of 60
normal GETs fail. Each test runs the real service (`newsfeeds serve`) on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.service_support import cli, free_port, running, sample_config

LIMITS = """
[server]
header_timeout_seconds = 1
idle_timeout_seconds = 1
max_connections = 16
"""


@contextlib.contextmanager
def service(tmp_path: Path, extra: str = LIMITS, open_files: int | None = None) -> Iterator[int]:
    """`newsfeeds serve` with extra [server] settings (and a lower open-file limit); its port."""
    port = free_port()
    text = sample_config(tmp_path, port).read_text(encoding="utf-8")
    config = tmp_path / "limits.toml"
    config.write_text(text.replace("[server]\n", extra.strip() + "\n", 1), encoding="utf-8")
    with running(config, port, command="serve", open_files=open_files):
        yield port


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """One service under LIMITS for the tests that need nothing else."""
    with service(tmp_path_factory.mktemp("limits")) as port:
        yield port


def healthy(port: int) -> int:
    return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes; a 30 s silence raises TimeoutError."""
    chunks = []
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.1 ") else 0


def send_until_refused(port: int, head: bytes, filler: bytes, total: int) -> tuple[int, bytes]:
    """Send a head, then `filler` until `total` bytes or the server hangs up; (sent, reply)."""
    sock, sent = connect(port), 0
    with sock:
        try:
            sock.sendall(head)
            while sent < total:
                sent += sock.send(filler)
        except OSError:  # refused: the server closed its end
            pass
        return sent, answer(sock)


def test_a_head_over_max_header_bytes_gets_431(limited: int) -> None:
    big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n"
    with connect(limited) as sock:
        sock.sendall(big)
        assert status_of(answer(sock)) == 431
    assert healthy(limited) == 200


@pytest.mark.slow
def test_the_workers_path_has_the_same_limit(tmp_path: Path) -> None:
    with service(tmp_path, "[server]\nworkers = 2\n") as port, connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
        assert status_of(answer(sock)) == 431


def test_a_10_mb_header_is_refused_long_before_its_end(limited: int) -> None:
    total = 10 * 1024 * 1024
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Flood: "
    sent, reply = send_until_refused(limited, head, b"b" * 65536, total)
    assert status_of(reply) == 431
    assert sent < total  # the server hung up; the socket buffers took the rest
    assert healthy(limited) == 200


def test_a_head_arriving_too_slowly_gets_408(limited: int) -> None:
    with connect(limited) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n")
        stop = threading.Event()

        def drip() -> None:  # a byte every 0.2 s: never idle, never done
            with contextlib.suppress(OSError):
                for _ in range(150):
                    if stop.wait(0.2):
                        return
                    sock.send(b"X")

        threading.Thread(target=drip, daemon=True).start()
        reply = answer(sock)
        stop.set()
    assert status_of(reply) == 408


def test_a_connection_that_sends_nothing_is_closed(limited: int) -> None:
    with connect(limited) as sock:
        assert answer(sock) == b""  # closed by the server, not by our 30 s timeout


def test_past_max_connections_with_none_idle_the_new_one_gets_503(limited: int) -> None:
    busy = [connect(limited) for _ in range(16)]
    try:
        for sock in busy:  # each has a request under way: none may be closed for room
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        with connect(limited) as one_more:
            refused = answer(one_more)
    finally:
        for sock in busy:
            sock.close()
    assert status_of(refused) == 503 and b"retry-after: 5" in refused.lower()


def test_past_max_connections_the_idlest_connection_makes_room(limited: int) -> None:
    idle = [connect(limited) for _ in range(16)]
    try:
        assert healthy(limited) == 200  # a 17th connection: the longest idle one is closed
        assert answer(idle[0]) == b""
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.slow
def test_an_idle_flood_past_the_open_file_limit_leaves_every_get_answered(
    tmp_path: Path,
) -> None:
    soft = 256
    flood: list[socket.socket] = []
    with service(tmp_path, "[server]\n", open_files=soft) as port:
        try:
            for _ in range(soft + 100):  # idle: connected, nothing sent
                flood.append(connect(port))
            answered = sum(healthy(port) == 200 for _ in range(60))
        finally:
            for sock in flood:
                sock.close()
    assert answered == 60


def test_max_connections_past_the_open_file_limit_is_refused_at_start(tmp_path: Path) -> None:
    port = free_port()
    text = sample_config(tmp_path, port).read_text(encoding="utf-8")
    config = tmp_path / "limits.toml"
    config.write_text(text.replace("[server]\n", "[server]\nmax_connections = 10000000\n", 1))
    done = cli(config, "serve", timeout=60)
    assert done.returncode == 3, done.stderr
    assert "server.max_connections: must be ≤" in " ".join(done.stderr.split())
