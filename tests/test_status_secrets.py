"""Source credentials never reach a status page, the CLI or a log line (issue 17, case 8).

On 7710bd8 /status.json showed a source's URL with its `user:pass@` and `?apikey=`, and
the poll's error quoted the key in the log and in `newsfeeds sources`.
"""

from __future__ import annotations

import json
from pathlib import Path

from test_http_admin import status_of

from scheduler.config import load
from scheduler.service import Service
from tests.service_support import cli, free_port, sample_config

PASSWORD, KEY, TOKEN = "s3cret-pass", "K3Y-VALUE", "T0KEN-VALUE"


def config_with_secrets(tmp_path: Path) -> tuple[Path, str]:
    """The sample config plus a feed whose URL carries credentials, on a port nobody serves."""
    url = f"http://reader:{PASSWORD}@127.0.0.1:{free_port()}/rss?apikey={KEY}&lang=en&token={TOKEN}"
    source = (
        f'\n[[sources]]\nid = "keyed"\nkind = "feed"\nurl = "{url}"\n'
        'interval_seconds = 300\nsection = "world"\n'
    )
    return sample_config(tmp_path, free_port(), extra=source), url


def secrets_in(text: str) -> list[str]:
    return [s for s in (PASSWORD, KEY, TOKEN) if s in text]


def test_a_failing_keyed_source_shows_no_secret_anywhere(tmp_path: Path) -> None:
    config, url = config_with_secrets(tmp_path)
    polled = cli(config, "ingest", "keyed")  # connection refused: the error quotes the URL
    assert polled.returncode == 1
    assert "/rss?apikey=***&lang=en&token=***" in polled.stderr  # still recognizable
    listed = cli(config, "sources", env={"COLUMNS": "400"})
    app = Service(load(config)).make_app()
    pages = {path: status_of_body(app, path) for path in ("/status", "/status.json")}
    shown = json.loads(pages["/status.json"])["sources"]
    keyed = next(row for row in shown if row["id"] == "keyed")
    masked = url.replace(f"reader:{PASSWORD}", "***").replace(KEY, "***").replace(TOKEN, "***")
    assert keyed["url"] == masked  # the source stays recognizable
    assert keyed["last_error"]  # the failure is shown, without the key
    outputs = {"log": polled.stderr + polled.stdout, "sources": listed.stdout, **pages}
    leaks = {name: secrets_in(text) for name, text in outputs.items()}
    assert leaks == {"log": [], "sources": [], "/status": [], "/status.json": []}


def status_of_body(app: object, path: str) -> str:
    """A status page's body, as a loopback client gets it."""
    body: list[str] = []
    assert status_of(app, path, "127.0.0.1", on_body=body.append) == 200  # type: ignore[arg-type]
    return body[0]
