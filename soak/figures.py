"""A figure is one measured number beside its target and a verdict; the report prints them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

Check = Callable[[float], bool]


@dataclass(frozen=True, slots=True)
class Figure:
    """One row of the report: what was measured, its value, the target and the verdict."""

    phase: str
    name: str
    value: float | str
    target: str = ""
    ok: bool | None = None  # None: informational, or skipped
    note: str = ""

    @property
    def verdict(self) -> str:
        """PASS, FAIL, or '-' for a figure with no target (or a skipped one)."""
        if self.ok is None:
            return "skipped" if self.note.startswith("skipped") else "-"
        return "PASS" if self.ok else "FAIL"


def measured(phase: str, name: str, value: float, target: str, check: Check | None) -> Figure:
    """A figure whose verdict is `check(value)`; no check means informational."""
    return Figure(phase, name, value, target, None if check is None else bool(check(value)))


def zero(phase: str, name: str, value: float) -> Figure:
    """A count whose target is 0."""
    return measured(phase, name, value, "0", lambda v: v == 0)


def skipped(phase: str, name: str, why: str) -> Figure:
    """A row that could not be measured here, and why."""
    return Figure(phase, name, "-", "", None, f"skipped: {why}")


def _cell(value: float | str) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(figures: Iterable[Figure]) -> str:
    """The figures as a Markdown table (readable in a terminal and in RELIABILITY.md)."""
    lines = ["| phase | figure | value | target | verdict | note |", "|---|---|---:|---|---|---|"]
    for f in figures:
        note = f.note.replace("|", "/").replace("\n", " ")
        lines.append(
            f"| {f.phase} | {f.name} | {_cell(f.value)} | {f.target} | {f.verdict} | {note} |"
        )
    return "\n".join(lines)


def overall(figures: Iterable[Figure]) -> bool:
    """True when no figure failed its target."""
    return all(f.ok is not False for f in figures)


def dump(figures: Iterable[Figure]) -> str:
    """The figures as JSON lines (for reruns and for RELIABILITY.md)."""
    return "\n".join(json.dumps(asdict(f), ensure_ascii=False) for f in figures)
