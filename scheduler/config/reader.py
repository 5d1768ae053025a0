"""A reader over raw TOML that records, rather than raises, each problem with key and value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scheduler.config.keys import ARRAYS
from sources.normalize.urls import is_web_url

_MISSING = object()


class Reader:
    """Typed getters over the raw TOML that record, rather than raise, each problem."""

    def __init__(self, data: dict[str, Any], schema: dict[str, tuple[str, ...]]) -> None:
        self.data = data
        self.schema = schema
        self.errors: list[str] = []
        # how each entry of an array of tables is named in messages (sources.<id> …)
        self.labels: dict[str, list[str]] = {}

    def error(self, key: str, value: object, why: str) -> None:
        """Record one problem, naming the key path and the value."""
        self.errors.append(f"{key}: {why}, got {value!r}")

    def peek(self, key: str) -> Any:
        """The raw value at a dotted key, or None."""
        value = self._lookup(key, None)
        return None if value is _MISSING else value

    def raw(self, key: str, default: Any, *, item: dict[str, Any] | None = None) -> Any:
        """The raw value at a key, or the default when absent."""
        value = self._lookup(key, item)
        return default if value is _MISSING else value

    def _lookup(self, key: str, item: dict[str, Any] | None) -> Any:
        if item is not None:
            return item.get(key.rsplit(".", 1)[-1], _MISSING)
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return _MISSING
            node = node[part]
        return node

    def _typed(self, key: str, default: Any, kinds: tuple[type, ...], what: str, item: Any) -> Any:
        value = self.raw(key, default, item=item)
        if isinstance(value, bool) and bool not in kinds:
            self.error(key, value, f"must be {what}")
            return default
        if not isinstance(value, kinds):
            self.error(key, value, f"must be {what}")
            return default
        return value

    def string(self, key: str, default: str, *, item: dict[str, Any] | None = None) -> str:
        """A string value."""
        return str(self._typed(key, default, (str,), "a string", item))

    def optional_string(
        self, key: str, default: str | None, *, item: dict[str, Any] | None = None
    ) -> str | None:
        """A string value that may be absent."""
        value = self.raw(key, default, item=item)
        if value is None:
            return None
        return self.string(key, default or "", item=item)

    def boolean(self, key: str, default: bool, *, item: dict[str, Any] | None = None) -> bool:
        """A true/false value."""
        return bool(self._typed(key, default, (bool,), "true or false", item))

    def integer(
        self,
        key: str,
        default: int,
        *,
        low: int | None = None,
        high: int | None = None,
        item: dict[str, Any] | None = None,
    ) -> int:
        """An integer within optional bounds."""
        value = int(self._typed(key, default, (int,), "an integer", item))
        return int(self._bounded(key, value, default, low, high))

    def number(
        self,
        key: str,
        default: float,
        *,
        low: float | None = None,
        high: float | None = None,
        item: dict[str, Any] | None = None,
    ) -> float:
        """A number (integer or float) within optional bounds."""
        value = float(self._typed(key, default, (int, float), "a number", item))
        return float(self._bounded(key, value, default, low, high))

    def _bounded(
        self, key: str, value: float, default: float, low: float | None, high: float | None
    ) -> float:
        if low is not None and value < low:
            self.error(key, value, f"must be ≥ {low}")
            return default
        if high is not None and value > high:
            self.error(key, value, f"must be ≤ {high}")
            return default
        return value

    def choice(
        self, key: str, default: str, allowed: Sequence[str], *, item: dict[str, Any] | None = None
    ) -> str:
        """A string from a fixed set."""
        value = self.string(key, default, item=item)
        if value not in allowed:
            self.error(key, value, f"must be one of {', '.join(allowed)}")
            return default
        return value

    def strings(
        self, key: str, default: Sequence[str], *, item: dict[str, Any] | None = None
    ) -> tuple[str, ...]:
        """A list of strings."""
        value = self.raw(key, list(default), item=item)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(key, value, "must be a list of strings")
            return tuple(default)
        return tuple(value)

    def url(self, key: str, default: str) -> str:
        """An absolute http(s) URL."""
        value = self.string(key, default)
        if not is_web_url(value):
            self.error(key, value, "must be an absolute http(s) URL")
            return default
        return value

    def url_list(self, key: str) -> list[str]:
        """A list of absolute http(s) URLs."""
        out = []
        for v in self.strings(key, ()):
            if not is_web_url(v):
                self.error(key, v, "must be absolute http(s) URLs")
            else:
                out.append(v)
        return out

    def table_list(self, key: str) -> list[dict[str, Any]]:
        """An array of tables ([[key]])."""
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.error(key, value, f"must be an array of tables ([[{key}]])")
            return []
        return value

    def check_unknown(self) -> None:
        """Unknown keys are errors, not silently ignored."""
        for name, value in self.data.items():
            if name not in self.schema:
                self.error(name, value, "unknown table or key")
            elif name in ARRAYS:
                named = self.labels.get(name, [])
                for i, item in enumerate(value if isinstance(value, list) else []):
                    label = named[i] if i < len(named) else f"{name}[{i}]"
                    self._unknown_in(label, item, self.schema[name])
            elif isinstance(value, dict):
                self._unknown_in(name, value, self.schema[name])
            else:
                self.error(name, value, "must be a table")

    def _unknown_in(self, prefix: str, table: Any, allowed: tuple[str, ...]) -> None:
        if not isinstance(table, dict):
            return
        for k, v in table.items():
            if k not in allowed:
                self.error(f"{prefix}.{k}", v, "unknown key")
