"""Access to the running service: the push API and operator pages refuse what they must, no
route walks out of its tree, and no error answer reveals a path, trace, token or setting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from soak import access, producers
from soak.service import Setup, free_port, running

LIMIT = 200_000


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """One service with push tokens and an admin token configured."""
    work = tmp_path_factory.mktemp("access")
    setup = Setup(
        work,
        free_port(),
        work / "access.db",
        extra='\n[admin]\ntoken_env = "SOAK_ADMIN_TOKEN"\n',
        env={"SOAK_API_TOKENS": producers.API_TOKEN, "SOAK_ADMIN_TOKEN": access.ADMIN_TOKEN},
    )
    with running(setup):
        yield setup


def _secrets(setup: Setup) -> tuple[str, ...]:
    return (producers.API_TOKEN, access.ADMIN_TOKEN, str(setup.store_path), str(setup.work))


def test_no_hostile_request_gets_through(service: Setup) -> None:
    tally = access.sweep(service, LIMIT, _secrets(service))
    assert tally.attempts > 150
    assert tally.successes == []


def test_no_error_body_reveals_paths_traces_or_secrets(service: Setup) -> None:
    tally = access.sweep(service, LIMIT, _secrets(service))
    assert tally.leaks == []


def test_the_right_tokens_still_work(service: Setup) -> None:
    """The controls: refusals above are not just a service that refuses everything."""
    assert access.allowed(service) == (200, 202)


@pytest.mark.parametrize(
    ("what", "headers", "target", "status"),
    [
        ("no token", {}, "/api/articles", 401),
        ("wrong token", {"Authorization": "Bearer nope"}, "/api/articles", 403),
        ("token in query", {}, f"/api/articles?token={producers.API_TOKEN}", 400),
    ],
)
def test_push_refusals_have_the_documented_status(
    service: Setup, what: str, headers: dict[str, str], target: str, status: int
) -> None:
    body = b'{"title": "x", "url": "https://h.example/x"}'
    got, _ = access.request(
        service, "POST", target, body, {"Content-Type": "application/json", **headers}
    )
    assert got == status, what


def test_oversized_and_mistyped_bodies_are_refused(service: Setup) -> None:
    bearer = {"Authorization": f"Bearer {producers.API_TOKEN}"}
    big, _ = access.request(
        service,
        "POST",
        "/api/articles",
        b" " * (LIMIT + 1),
        {"Content-Type": "application/json", **bearer},
    )
    typed, _ = access.request(
        service, "POST", "/api/articles", b"{}", {"Content-Type": "text/plain", **bearer}
    )
    assert (big, typed) == (413, 415)


def test_the_leak_check_would_see_a_leak() -> None:
    """The grep can fail: a body naming the archive's path or a trace is counted."""
    tally = access.Tally(secrets=("/srv/db.sqlite",))
    tally.note(
        "probe",
        500,
        b'Traceback (most recent call last):\n  File "/srv/db.sqlite"',
        got_through=False,
    )
    assert len(tally.leaks) == 3


def test_loopback_only_refuses_other_addresses(tmp_path: Path) -> None:
    """With loopback_only, a peer on a non-loopback address of this machine gets 403."""
    address = access.local_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to connect from")
    setup = Setup(
        tmp_path,
        free_port(),
        tmp_path / "lo.db",
        host=address,
        extra="\n[admin]\nloopback_only = true\n",
    )
    with running(setup):
        for page in access.ADMIN_PAGES:
            assert access.request(setup, "GET", page)[0] == 403, page
        assert access.request(setup, "GET", "/feeds/latest.json")[0] == 200
