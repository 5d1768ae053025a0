"""Real processes: a `serve` process mirrors into its docroot what another process stored.

`newsfeeds serve` with a docroot stores nothing here; a `newsfeeds build` beside it, with
its own docroot, stores the documents. Both docroots end up with the same files and mtimes.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from feeds.docroot import files
from tests.service_support import cli, free_port, running, sample_config


def _files(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), int(p.stat().st_mtime))
        for p in sorted(root.rglob("*"))
        if p.is_file() and files.TEMP_FOLDER not in p.parts
    }


@pytest.mark.slow
def test_a_serving_process_mirrors_what_another_process_stored(tmp_path: Path) -> None:
    port = free_port()
    served, built = tmp_path / "served", tmp_path / "built"
    config = sample_config(tmp_path, port, extra=f'\n[publish]\ndocroot = "{served}"\n')
    other = tmp_path / "other.toml"
    other.write_text(
        config.read_text(encoding="utf-8").replace(str(served), str(built)), encoding="utf-8"
    )
    with running(config, port, command="serve"):
        assert cli(other, "ingest").returncode == 0  # polls the sample sources, rebuilds
        deadline = time.monotonic() + 30
        while _files(served) != _files(built) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_files(built)) > 10 and _files(served) == _files(built)
