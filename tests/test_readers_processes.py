"""Two `newsfeeds serve` processes on one PostgreSQL archive: their reader counts add up.

The in-process test (test_readers_e2e.py) checks exact figures under an injected clock;
this one runs real OS processes on the real clock and checks the counts that do not
depend on time: requests, 200/304 and subscribers, summed by the archive.
"""

from __future__ import annotations

import json
from pathlib import Path

import pg_support
import pytest
import requests
from readers_support import Poller
from service_support import cli, free_port, running, sample_config, wait_for_articles

pytestmark = pytest.mark.slow
AGENTS = {
    "feedly": ("Feedly/1.0 (+http://www.feedly.com/fetcher.html; 134 subscribers; )", True),
    "feedbin-a": ("Feedbin feed-id:1306543 - 3 subscribers", True),
    "feedbin-b": ("Feedbin feed-id:2000935 - 13 subscribers", False),
    "curl": ("curl/8.5.0", False),
}


def test_two_serve_processes_add_up(tmp_path: Path) -> None:
    pg_support.require()
    name, url = pg_support.create_schema()
    try:
        ports = [free_port(), free_port()]
        configs = []
        for n, port in enumerate(ports):
            (tmp_path / str(n)).mkdir()
            configs.append(sample_config(tmp_path / str(n), port, store_url=url))
        assert cli(configs[0], "ingest").returncode in (0, 1)
        with (
            running(configs[0], ports[0], command="serve"),
            running(configs[1], ports[1], command="serve"),
        ):
            base = f"http://127.0.0.1:{ports[0]}"
            wait_for_articles(base + "/feeds/latest.rss")
            pollers = {k: Poller(ua, cond) for k, (ua, cond) in AGENTS.items()}
            for _round in range(3):
                for n, poller in enumerate(pollers.values()):
                    poller.poll(ports[n % 2])
            for port in ports:  # each flushes its own counts now
                requests.get(f"http://127.0.0.1:{port}/status/readers.json", timeout=10)
        done = cli(configs[0], "readers", "--json", "--feed", "latest")
        assert done.returncode == 0, done.stderr
        (feed,) = json.loads(done.stdout)["feeds"]
        got = {f["family"]: f for f in feed["families"]}
        assert {k: got[k]["requests"] for k in ("feedly", "feedbin", "curl")} == {
            "feedly": 3,
            "feedbin": 6,
            "curl": 3,
        }
        assert (got["feedly"]["ok"], got["feedly"]["not_modified"]) == (1, 2)
        assert (got["feedbin"]["ok"], got["feedbin"]["not_modified"]) == (4, 2)
        assert got["curl"]["ok"] == 3
        assert (got["feedly"]["subscribers"], got["feedbin"]["subscribers"]) == (134, 16)
    finally:
        pg_support.drop_schema(name)
