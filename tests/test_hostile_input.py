"""Hostile feeds through parse → normalize → render, each in a worker killed past a bound.

Every file in tests/fixtures/hostile/ is a case (a crash found by fuzzing lands there too):
no crash, no hang, no expanded entity bomb, no file content, no executable markup in any
rendered document. A new bug is a new file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from soak import hostile, hostile_inputs

FIXTURES = Path(__file__).parent / "fixtures" / "hostile"
MARKERS = (hostile_inputs.MARKER, hostile_inputs.SECRET, "root:x:0:0")
# Bugs found by the soak in code this suite does not own, reported with a proposed fix;
# strict: once fixed, the xfail turns into a failure and the entry must be removed.
# Inputs that once broke a rule, kept as regular cases; add here only with a reason while a
# fix is pending (they then run as strict xfail).
KNOWN: dict[str, str] = {}


class Bounded:
    """A hostile.Worker that is replaced after a hang or a crash."""

    def __init__(self) -> None:
        self.worker = hostile.Worker()

    def ask(self, path: Path) -> dict[str, object]:
        result = self.worker.ask(path, MARKERS)
        if result is None:
            self.worker.kill()
            self.worker = hostile.Worker()
            return {"ok": False, "error": f"hang: no answer within {hostile.BOUND_SECONDS} s"}
        if self.worker.proc.poll() is not None:
            self.worker = hostile.Worker()
        return result


@pytest.fixture(scope="module")
def worker() -> Iterator[Bounded]:
    bounded = Bounded()
    yield bounded
    bounded.worker.kill()


def _case(path: Path) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN[path.name])] if path.name in KNOWN else []
    return pytest.param(path, id=path.name, marks=marks)


def _assert_safe(result: dict[str, object]) -> None:
    assert result.get("ok"), result.get("error")
    assert result["executable"] == [], result["executable"]
    assert result["leaked"] == [], result["leaked"]


@pytest.mark.parametrize("path", [_case(p) for p in sorted(FIXTURES.glob("*.xml"))])
def test_fixture_is_handled_safely(worker: Bounded, path: Path) -> None:
    _assert_safe(worker.ask(path))


GENERATED = (
    "quadratic-blowup",
    "xml-nesting-50k",
    "html-nesting-50k",
    "title-1mb",
    "nul-and-controls",
    "invalid-utf8-sequences",
    "utf16-labelled-utf8",
    "payload-atom-2",
)


def test_generated_bombs_nesting_and_sizes_finish_safely(worker: Bounded, tmp_path: Path) -> None:
    made = dict(hostile_inputs.generated(str(tmp_path / "secret"), 9))
    for name in GENERATED:
        path = tmp_path / f"{name}.xml"
        path.write_bytes(made[name])
        result = worker.ask(path)
        assert result.get("ok"), (name, result.get("error"))
        assert result["executable"] == [] and result["leaked"] == [], (name, result)


def test_external_entities_and_dtds_fetch_nothing(worker: Bounded, tmp_path: Path) -> None:
    listener = hostile.Listener()
    try:
        made = dict(hostile_inputs.generated(str(tmp_path / "secret"), listener.port))
        for name in ("xxe-network", "external-dtd", "parameter-entity", "xinclude"):
            path = tmp_path / f"{name}.xml"
            path.write_bytes(made[name])
            assert worker.ask(path).get("ok"), name
        assert listener.connections == 0
    finally:
        listener.close()


def test_the_listener_would_count_a_fetch() -> None:
    """The external-fetch check can fail: a real connection is counted."""
    import socket
    import time

    listener = hostile.Listener()
    try:
        socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
        for _ in range(20):
            if listener.connections:
                break
            time.sleep(0.05)
        assert listener.connections == 1
    finally:
        listener.close()


def test_the_markup_check_finds_what_a_browser_would_run() -> None:
    from soak.pipeline import executable_in

    assert executable_in("<p>safe <b>bold</b></p>") is None
    assert executable_in("an article about scripting") is None
    for bad in ("<SCRIPT>x</SCRIPT>", '<img src=x onerror="y">', '<a href="java\tscript:x">'):
        assert executable_in(bad), bad
