"""Fuzzing for a bounded time: hypothesis always, atheris when it is installed. Each crash
found is copied into tests/fixtures/hostile/, where tests/test_hostile_input.py replays it."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from soak.figures import Figure, skipped
from soak.hostile import FIXTURES
from soak.service import ROOT

PHASE = "fuzz"


def _engine(engine: str, seconds: float) -> tuple[list[Path], str]:
    """Run one engine in a bounded subprocess; (new fixture files, its summary line)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-m", "soak.fuzz_worker", engine, str(seconds), tmp],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
        found = []
        for crash in sorted(Path(tmp).iterdir()):
            name = (
                crash.name
                if crash.name.startswith("fuzz-")
                else f"fuzz-atheris-{crash.name[-10:]}.xml"
            )
            target = FIXTURES / name
            if not target.exists():
                FIXTURES.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(crash, target)
            found.append(target)
    text = out.stdout + out.stderr
    stats = re.findall(r"stat::number_of_executed_units:\s*(\d+)", text)
    summary = f"{stats[-1]} executions" if stats else (out.stdout.strip().splitlines() or [""])[-1]
    return found, summary


def run(seconds: float) -> list[Figure]:
    """Split the time between the engines available; a crash found is a failing row."""
    has_atheris = importlib.util.find_spec("atheris") is not None
    share = seconds / 2 if has_atheris else seconds
    rows = []
    for engine in ("hypothesis", "atheris") if has_atheris else ("hypothesis",):
        found, summary = _engine(engine, share)
        rows.append(
            Figure(
                PHASE,
                f"{engine}: crashes in parse_feed/normalize",
                len(found),
                "0",
                not found,
                f"{share:g} s, {summary}; " + ", ".join(p.name for p in found),
            )
        )
    if not has_atheris:
        rows.append(
            skipped(
                PHASE,
                "atheris",
                "not installed (`.venv/bin/pip install atheris` failed or was not run)",
            )
        )
    return rows
