"""A SIGKILL in the middle of writing the docroot leaves no partial file where nginx looks."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import brotli

from feeds.docroot import files

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from feeds.docroot import files

    root, n = Path(sys.argv[1]), 0
    while True:
        n += 1
        body = (b"<rss>%d</rss>" % (n % 2)) * 400_000
        gz, br = files.compressed(body)
        files.publish(root, "/feeds/latest.rss", body, gz, br, 1_700_000_000 + n)
        print(n, flush=True)
    """
)
VERSIONS = {(b"<rss>%d</rss>" % v) * 400_000 for v in (0, 1)}


def test_a_killed_writer_leaves_whole_files_only(tmp_path: Path) -> None:
    root = tmp_path / "docroot"
    for _ in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(root)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        proc.stdout.readline()  # one version is complete
        time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        target = files.file_of(root, "/feeds/latest.rss")
        assert target.read_bytes() in VERSIONS
        assert gzip.decompress(target.with_name("latest.rss.gz").read_bytes()) in VERSIONS
        assert brotli.decompress(target.with_name("latest.rss.br").read_bytes()) in VERSIONS
        # only the hidden temp folder, which nginx never serves, may hold a partial write
        visible = {p.name for p in target.parent.iterdir()}
        assert visible == {"latest.rss", "latest.rss.gz", "latest.rss.br"}
    files.clear_temp(root, older_than=-1)
    assert not list((root / files.TEMP_FOLDER).iterdir())
