"""Logging: readable lines on a terminal, JSON lines when configured."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from feeds.redact import redact


class JsonFormatter(logging.Formatter):
    """One JSON object per line, carrying the source id when a record has one."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        source = getattr(record, "source", None)
        if source is not None:
            data["source"] = source
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class RedactingHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler whose every line (tracebacks too) has its secrets redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup(level: str = "INFO", fmt: str = "text") -> None:
    """Configure the root logger once."""
    handler = RedactingHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("apscheduler", "urllib3", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
