"""Serving starts with the program's own objects frozen out of the garbage collector."""

from __future__ import annotations

import gc
from pathlib import Path

from http_support import fetch, serving, write_config

from scheduler.service import Service


def test_startup_objects_are_frozen_before_the_first_request(tmp_path: Path) -> None:
    # soak's heavy phase: full collections scanning the startup heap held the GIL ~60 ms
    # each (287 ms slowest /healthz during a push on a loaded machine, 35-51 ms frozen)
    service = Service(write_config(tmp_path))
    app = service.make_app()
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        with serving(app) as port:
            assert gc.get_freeze_count() > 0
            assert fetch(port, "/healthz").status == 200
    finally:
        gc.unfreeze()
        service.store.dispose()
