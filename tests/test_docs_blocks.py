"""Every `sh` block in README.md and docs/*.md runs, in a copy of the default set-up.

A block is skipped only when the line before it is `<!-- norun: reason -->`. Each runs with
`bash -euo pipefail` in a temporary folder holding `config.toml`, `samples/` and a link to
this virtualenv as `.venv`, so a block may change the config or fill `var/` freely.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NORUN = re.compile(r"^<!-- norun: (\S.*) -->$")
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass(frozen=True)
class Block:
    """One fenced `sh` block: where it is, its text, and why it does not run (if so)."""

    page: str
    line: int
    text: str
    norun: str | None


def blocks(path: Path) -> list[Block]:
    """The `sh` blocks of one Markdown page, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```sh":
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        before = next((s.strip() for s in reversed(lines[:i]) if s.strip()), "")
        mark = NORUN.match(before)
        text = "\n".join(lines[i + 1 : end]) + "\n"
        found.append(Block(path.name, i + 1, text, mark.group(1) if mark else None))
        i = end + 1
    return found


ALL = [b for page in PAGES for b in blocks(page)]


def run_block(text: str, where: Path) -> subprocess.CompletedProcess[str]:
    """Run a block's text with bash (stop at the first failing command) in `where`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFEEDS_")}
    env["PATH"] = f"{where / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", text],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A fresh copy of the default set-up: config.toml, samples/ and the virtualenv."""
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    return tmp_path


@pytest.mark.parametrize(
    "block", [b for b in ALL if b.norun is None], ids=lambda b: f"{b.page}:{b.line}"
)
def test_block_runs(block: Block, workspace: Path) -> None:
    """The block's commands all succeed."""
    done = run_block(block.text, workspace)
    assert done.returncode == 0, f"{block.page}:{block.line}\n{done.stdout}\n{done.stderr}"


def test_a_failing_command_fails_its_block(workspace: Path) -> None:
    """A block whose middle command fails is reported failed, not hidden by later ones."""
    assert run_block("true\nfalse\ntrue\n", workspace).returncode != 0
    assert run_block("false | true\n", workspace).returncode != 0


def test_only_a_marked_block_is_skipped(tmp_path: Path) -> None:
    """A norun mark needs a reason and applies to the block right after it only."""
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- norun: serves until stopped -->\n```sh\nmake run\n```\n\n"
        "```sh\nfalse\n```\n<!-- norun: -->\n```sh\nfalse\n```\n",
        encoding="utf-8",
    )
    assert [b.norun for b in blocks(page)] == ["serves until stopped", None, None]


def test_readme_is_one_screen_and_starts_with_the_two_commands() -> None:
    """At most 120 lines; its first commands are `make run` then `make test`."""
    readme = ROOT / "README.md"
    assert len(readme.read_text(encoding="utf-8").splitlines()) <= 120
    first = [ln.split("#")[0].strip() for ln in blocks(readme)[0].text.splitlines()]
    assert [c for c in first if c] == ["make run", "make test"]


def test_every_docs_page_is_linked_from_the_readme() -> None:
    """Each docs/*.md is reachable from the README by a link."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in PAGES[1:] if f"](docs/{p.name})" not in readme]
    assert not missing, f"docs pages the README does not link: {missing}"


def test_every_link_between_pages_names_a_page_that_exists() -> None:
    """Relative Markdown links in the README and docs point at files in the repository."""
    broken = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", page.read_text("utf-8")):
            if not (page.parent / target).exists():
                broken.append(f"{page.name} -> {target}")
    assert not broken, broken
