"""Real processes: a `serve` process mirrors into its docroot what another process stored.

`newsfeeds serve` with a docroot stores nothing here; a `newsfeeds ingest` beside it, with
its own docroot, stores the documents. Both docroots end up with the same files and mtimes
(so nginx in front of either gives the same ETag and Last-Modified), on SQLite and on one
PostgreSQL.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from feeds.docroot import files
from scheduler.config import load
from scheduler.service import Service
from tests.service_support import cli, free_port, running, sample_config


def _files(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), int(p.stat().st_mtime))
        for p in sorted(root.rglob("*"))
        if p.is_file() and files.TEMP_FOLDER not in p.parts
    }


@pytest.mark.slow
def test_a_serving_process_mirrors_what_another_process_stored(
    tmp_path: Path, store_url: str
) -> None:
    port = free_port()
    served, built = tmp_path / "served", tmp_path / "built"
    extra = f'\n[publish]\ndocroot = "{served}"\n'
    config = sample_config(tmp_path, port, extra=extra, store_url=store_url)
    other = tmp_path / "other.toml"
    other.write_text(
        config.read_text(encoding="utf-8").replace(str(served), str(built)), encoding="utf-8"
    )
    with running(config, port, command="serve"):
        assert cli(other, "ingest").returncode == 0  # polls the sample sources, rebuilds
        assert len(_files(built)) > 10
        # the serving process may store something of its own meanwhile (its start-up
        # rebuild): the ingest's docroot then catches up through its own mirror
        mirror = Service(load(other)).outputs.docroot
        assert mirror is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            mirror.sync()
            if _files(served) == _files(built):
                break
            time.sleep(0.2)
        assert _files(served) == _files(built)
        mirror.store.dispose()
