"""The benchmark harness runs end to end in its smoke mode and prints its table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_quick_bench_prints_a_table_with_a_verdict_per_row() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "render", "--only", "push"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [line for line in out.stdout.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == 3, out.stdout
    verdicts = [row.rstrip(" |").rsplit("| ", 1)[-1] for row in rows]
    assert all(v in ("pass", "short") for v in verdicts), out.stdout
    # one new article rewrites exactly its feeds' documents: the harness must see that
    assert rows[-1].endswith("| pass |"), out.stdout
