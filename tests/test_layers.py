"""The shape of the code, read from its imports and definitions (AST), checked on every run.

- no import cycle among product modules;
- `scheduler → feeds → sources`, and nothing imports `scheduler`;
- `feeds` takes from `sources` only the model, its errors and the normalizer's entry point;
- one door in: `normalize` has exactly one caller in product code, in feeds/intake/, and only
  feeds/intake/ calls the archive's article writers;
- no module over 250 lines, no function over 50 (migrations excepted: they are history,
  written once by Alembic's autogenerate and never edited).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sources", "feeds", "scheduler")
LAYER = {"sources": 0, "feeds": 1, "scheduler": 2}
# What feeds may import from sources: the model, the errors, the normalizer's entry point
FEEDS_MAY_USE = ("sources.model", "sources.errors")
FEEDS_MAY_USE_EXACTLY = ("sources.normalize",)
ARTICLE_WRITERS = {"save", "write", "insert_new", "add_members", "add_key_pairs"}
MIGRATIONS = "feeds/archive/migrations/"


def modules() -> dict[str, Path]:
    """Every product module by dotted name (a package by its own name)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = modules()


def imported(name: str, path: Path) -> Iterator[str]:
    """The product modules a file imports (a name taken from a package, if a module, counts)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] in PACKAGES)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            if module.split(".")[0] not in PACKAGES:
                continue
            for alias in node.names:
                full = f"{module}.{alias.name}"
                yield full if full in MODULES else module


def graph() -> dict[str, set[str]]:
    """Module -> the product modules it imports."""
    return {name: set(imported(name, path)) for name, path in MODULES.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), or self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            part = []
            while True:
                top = stack.pop()
                part.append(top)
                if top == node:
                    break
            if len(part) > 1 or node in edges.get(node, ()):
                found.append(sorted(part))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_the_cycle_check_sees_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_dependencies_point_one_way() -> None:
    wrong = [
        (name, target)
        for name, targets in graph().items()
        for target in targets
        if LAYER[target.split(".")[0]] > LAYER[name.split(".")[0]]
    ]
    assert wrong == []


def test_feeds_takes_from_sources_only_the_model_errors_and_the_normalizer() -> None:
    taken = {
        (name, target)
        for name, targets in graph().items()
        if name.startswith("feeds")
        for target in targets
        if target.startswith("sources")
    }
    wrong = [
        (name, target)
        for name, target in sorted(taken)
        if target not in FEEDS_MAY_USE_EXACTLY
        and not any(target == m or target.startswith(m + ".") for m in FEEDS_MAY_USE)
    ]
    assert taken and wrong == []


def calls(path: Path) -> Iterator[tuple[str, int]]:
    """(called name, line) of every call to a plain name or an attribute."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                yield func.id, node.lineno
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                yield f"{func.value.id}.{func.attr}", node.lineno


def test_normalize_has_one_caller_inside_intake() -> None:
    callers = [
        (name, line)
        for name, path in MODULES.items()
        if not name.startswith("sources.normalize")
        for called, line in calls(path)
        if called in ("normalize", "normalize.normalize", "assemble.normalize")
    ]
    assert [name for name, _ in callers] == ["feeds.intake.normal"]


def test_only_intake_writes_articles() -> None:
    writers = {
        name
        for name, path in MODULES.items()
        for called, _ in calls(path)
        if called.startswith(("archived.", "membership."))
        and called.split(".", 1)[1] in ARTICLE_WRITERS
    }
    assert writers and all(w.startswith(("feeds.intake", "feeds.archive")) for w in writers)


def test_modules_and_functions_stay_small() -> None:
    large, long = [], []
    for name, path in MODULES.items():
        if path.relative_to(ROOT).as_posix().startswith(MIGRATIONS):
            continue
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > 250:
            large.append(name)
        for node in ast.walk(ast.parse(text)):
            is_function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            if is_function and node.end_lineno and node.end_lineno - node.lineno + 1 > 50:
                long.append(f"{name}.{node.name}")
    assert (large, long) == ([], [])
