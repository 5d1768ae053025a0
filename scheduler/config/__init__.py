"""Load config.toml once into typed, frozen objects; report every bad key at once.

Each table is read straight into the object the stage that uses it takes (`Site`,
`IntakeRules`, `ServeSettings`, `FetchSettings`, `RetentionSettings`, …), so nothing
repacks config between here and the stages.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from scheduler.config.build import build
from scheduler.config.keys import SCHEMA
from scheduler.config.reader import Reader
from scheduler.config.settings import Config, Section
from scheduler.errors import ConfigError

__all__ = ["Config", "Section", "load"]


def load(path: str | Path) -> Config:
    """Read and validate a config file; raise ConfigError listing every problem."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError([f"{p}: no such config file"]) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{p}: not valid TOML: {exc}"]) from exc
    reader = Reader(data, SCHEMA)
    config = build(p, reader)
    reader.check_unknown()
    if reader.errors:
        raise ConfigError(reader.errors)
    return config
