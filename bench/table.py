"""One result per row, a verdict beside each target, and the table printed at the end."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Result:
    """A measured figure, the limit it is compared with, and whether the target holds."""

    row: str
    figure: str
    limit: str
    ratio: str
    target: str
    verdict: str  # pass, short, skipped: <why>, info

    @classmethod
    def skipped(cls, row: str, target: str, why: str) -> Result:
        """A row that could not run, with the reason."""
        return cls(row, "—", "—", "—", target, f"skipped: {why}")


def verdict(ok: bool) -> str:
    """pass or short."""
    return "pass" if ok else "short"


def render(results: list[Result], header: str) -> str:
    """A Markdown table (readable in a terminal and in BENCHMARKS.md)."""
    cols = ("row", "figure", "limit (same run)", "ratio", "target", "verdict")
    lines = [header, "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in results:
        cells = (r.row, r.figure, r.limit, r.ratio, r.target, r.verdict)
        lines.append("| " + " | ".join(" ".join(c.split()).replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)
