"""`python -m soak [--quick] [--seed N] [--only PHASES]`: run the soak and print its figures.

Full run (make soak): 256 connections for 60 s, 10 seeded kills, 120 s of fuzzing, slow
and dead upstream hosts for 60 s, floods, a stopped PostgreSQL, heavy feeds; about 8
minutes. --quick: a smoke run of every phase.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from soak import access, disk, faults, floods, fuzz, heavy, hostile, kills, load, pghang, slowhosts
from soak.figures import Figure, dump, overall, table


def part(work: Path, name: str) -> Path:
    """A subfolder of a phase's work folder, for each service it starts."""
    folder = work / name
    folder.mkdir()
    return folder


def phases(quick: bool, seed: int) -> dict[str, Callable[[Path], list[Figure]]]:
    """Each phase as a function of its private work folder."""
    return {
        "load": lambda w: load.run(w, seconds=10 if quick else 60, connections=256, seed=seed),
        "faults": lambda w: faults.upstream_faults(w, 15 if quick else 60, seed),
        "diskfull": disk.run,
        "kills": lambda w: kills.run(w, kills=3 if quick else 10, seed=seed),
        "hostile": hostile.run,
        "fuzz": lambda w: fuzz.run(20 if quick else 120),
        "access": access.run,
        "slowhosts": lambda w: slowhosts.run(w, 15 if quick else 60),
        "floods": lambda w: (
            floods.header_flood(part(w, "headers"), 10 if quick else 30)
            + floods.idle_flood(part(w, "idle"))
        ),
        "pghang": lambda w: (
            pghang.hung_at_start(part(w, "start")) + pghang.stopped_mid_run(part(w, "stop"), seed)
        ),
        "heavy": lambda w: heavy.large_feeds(part(w, "feeds")) + heavy.push_stall(part(w, "push")),
    }


def main() -> int:
    """Run the chosen phases, print the table and the verdict; exit 1 if any target failed."""
    parser = argparse.ArgumentParser(prog="python -m soak")
    parser.add_argument("--quick", action="store_true", help="short smoke run of every phase")
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--only", default="", help="comma-separated phases to run")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON lines here")
    args = parser.parse_args()
    chosen = phases(args.quick, args.seed)
    names = [n for n in args.only.split(",") if n] or list(chosen)
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    figures: list[Figure] = []
    began = time.monotonic()
    for name in names:
        start = time.monotonic()
        print(f"soak: {name} …", file=sys.stderr, flush=True)
        folder = work / name
        folder.mkdir()
        try:
            figures += chosen[name](folder)
        except Exception as exc:  # a phase that cannot finish is a failed row, not a stop
            traceback.print_exc()
            figures.append(Figure(name, "phase completed", "no", "yes", False, str(exc)[:200]))
        print(f"soak: {name} done in {time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)
    ok = overall(figures)
    print(
        f"\nSoak {'(quick) ' if args.quick else ''}{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"seed {args.seed}, Python {platform.python_version()}, "
        f"{len(os.sched_getaffinity(0))} cores, {time.monotonic() - began:.0f} s\n"
    )
    print(table(figures))
    print(f"\nVerdict: {'PASS' if ok else 'FAIL'}")
    if args.json:
        args.json.write_text(dump(figures) + "\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
