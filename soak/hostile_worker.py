"""Runs hostile inputs one after another: `python -m soak.hostile_worker` reads file paths on
stdin and prints one JSON result per path, so the parent can bound and kill each one."""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import asdict
from pathlib import Path

from soak.pipeline import run


def main() -> None:
    """One line in (a path and the markers to look for), one line out."""
    for line in sys.stdin:
        job = json.loads(line)
        print(json.dumps({"start": job["path"]}), flush=True)
        try:
            result = {
                "ok": True,
                **asdict(run(Path(job["path"]).read_bytes(), tuple(job["markers"]))),
            }
        except Exception as exc:  # a crash: the point of the sweep is to count these
            result = {
                "ok": False,
                "error": f"{type(exc).__name__}: {exc}"[:300],
                "where": traceback.format_exc()[-600:],
            }
        print(json.dumps({"path": job["path"], **result}), flush=True)


if __name__ == "__main__":
    main()
