"""Config problems found at load, one message each, naming sources by id; --config anywhere.

Each case here was accepted at load before (and failed only at a poll, or never), or was
named `sources[3]`, or printed through rich markup, or needed `--config` before the command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scheduler.config import load
from scheduler.errors import ConfigError
from tests.service_support import NEWSFEEDS, ROOT, free_port, sample_config

PAGE_SOURCE = """
[[sources]]
id = "{id}"
kind = "page"
listing = "https://news.example.com/world"
link_selector = "h2 a"
section = "world"
"""

# (case, text replaced, replacement, appended, the one message expected)
CASES = [
    (
        "combo naming an unknown section",
        'combos = "with-articles"',
        'combos = ["sport/in"]',
        "",
        "feeds.combos: names 'sport', which is not a configured section, got 'sport/in'",
    ),
    (
        "combo naming an unknown country",
        'combos = "with-articles"',
        'combos = ["world/xx"]',
        "",
        "feeds.combos: 'XX' is not an ISO 3166-1 alpha-2 country code, got 'world/xx'",
    ),
    (
        "missing local feed file",
        "samples/feeds/world-wire.rss",
        "samples/feeds/world-wire-gone.rss",
        "",
        "sources.world-wire.url: is not a file (a local feed must exist)",
    ),
    (
        "missing drop folder without a seed",
        'seed = "',
        'settle_seconds = 2\n# seed = "',
        "",
        "sources.cms-drop.url: is not a folder (the drop folder must exist)",
    ),
    (
        "missing seed folder",
        "samples/drop",
        "samples/no-such-drop",
        "",
        "sources.cms-drop.seed: is not a folder",
    ),
    (
        "alias claimed by two sections",
        'aliases = ["Tech", ',
        'aliases = ["Markets", "Tech", ',
        "",
        "sections.technology.aliases: already means section 'business', got 'Markets'",
    ),
    (
        "option of another kind",
        'rights = "full"',
        'rights = "full"\nseed = "samples/drop"',
        "",
        "sources.world-wire.seed: is not an option of a feed source (it takes none)",
    ),
    (
        "negative settle_seconds",
        'kind = "files"',
        'kind = "files"\nsettle_seconds = -1',
        "",
        "sources.cms-drop.settle_seconds: must be a number ≥ 0, got -1",
    ),
    (
        "page listing without a link selector",
        "",
        "",
        PAGE_SOURCE.format(id="listing-only").replace('link_selector = "h2 a"\n', ""),
        "sources.listing-only.link_selector: a listing needs a CSS selector, got None",
    ),
    (
        "page selector that is not CSS",
        "",
        "",
        PAGE_SOURCE.format(id="bad-css") + 'selectors = { title = "h1[" }\n',
        "sources.bad-css.selectors.title: not a CSS selector",
    ),
    (
        "page pattern that is not a regex",
        "",
        "",
        PAGE_SOURCE.format(id="bad-regex") + "patterns = { updated = '([0-9' }\n",
        "sources.bad-regex.patterns.updated: not a regex",
    ),
    (
        "unknown key named by source id",
        'rights = "full"',
        'rights = "full"\nintervall = 5',
        "",
        "sources.world-wire.intervall: unknown key",
    ),
]


def _config(tmp_path: Path, old: str, new: str, extra: str) -> Path:
    path = sample_config(tmp_path, free_port(), extra=extra)
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "extra", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_problem_is_found_at_load_with_one_message(
    tmp_path: Path, old: str, new: str, extra: str, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load(_config(tmp_path, old, new, extra))
    assert len(info.value.problems) == 1, info.value.problems
    assert info.value.problems[0].startswith(message), info.value.problems


def test_check_config_lists_every_case_once(tmp_path: Path) -> None:
    """Every case above in one file: check-config prints each message exactly once."""
    apart = {"combo naming an unknown country", "missing drop folder without a seed"}
    together = [c for c in CASES if c[0] not in apart]
    extra = "".join(c[3] for c in together)
    extra += PAGE_SOURCE.format(id="more-pages").replace("h2 a", "h2 a[")
    path = sample_config(tmp_path, free_port(), extra=extra)
    text = path.read_text(encoding="utf-8")
    for _, old, new, _, _ in together:
        text = text.replace(old, new, 1) if old else text
    text = text.replace('["sport/in"]', '["sport/in", "world/xx"]')
    path.write_text(text, encoding="utf-8")
    result = _newsfeeds("check-config", "--config", str(path))
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    expected = [c[4] for c in CASES if c[0] != "missing drop folder without a seed"]
    expected.append("sources.more-pages.link_selector: not a CSS selector")
    for message in expected:
        assert result.stderr.count(message) == 1, (message, result.stderr)
    assert result.stderr.count("\n  ") == len(expected), result.stderr


def _newsfeeds(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*NEWSFEEDS, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=os.environ
    )


@pytest.mark.parametrize("command", ["check-config", "build", "feeds"])
def test_config_option_is_accepted_after_the_command(tmp_path: Path, command: str) -> None:
    path = sample_config(tmp_path, free_port())
    result = _newsfeeds(command, "--config", str(path))
    assert result.returncode == 0, result.stderr
    assert "No such option" not in result.stderr


def test_config_after_the_command_wins_over_the_one_before(tmp_path: Path) -> None:
    good = sample_config(tmp_path, free_port())
    result = _newsfeeds(
        "--config", str(tmp_path / "absent.toml"), "check-config", "--config", str(good)
    )
    assert result.returncode == 0, result.stderr
    assert f"{good}: ok" in result.stderr


def test_messages_are_printed_literally(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[site]\ntitle = "[/b] Ledger"\nbase_url = "gopher://[b]x"\n', encoding="utf-8")
    result = _newsfeeds("check-config", "--config", str(path))
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert "at least one [[sections]] entry is required" in result.stderr
    assert "site.base_url: must be an absolute http(s) URL, got 'gopher://[b]x'" in result.stderr


def test_relative_paths_resolve_from_the_config_folder(tmp_path: Path) -> None:
    folder, elsewhere = tmp_path / "deploy", tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copytree(ROOT / "samples", folder / "samples")
    config = sample_config(folder, free_port()).read_text(encoding="utf-8")
    config = config.replace(str(folder / "newsfeeds.db"), "var/archive.db")
    config = config.replace(f'"{folder / "drop"}"', '"var/drop"').replace(f"{ROOT}/", "")
    (folder / "config.toml").write_text(config, encoding="utf-8")
    cfg = load(folder / "config.toml")
    assert cfg.store_url == f"sqlite:///{folder / 'var' / 'archive.db'}"
    by_id = {s.id: s for s in cfg.sources}
    assert by_id["world-wire"].url == str(folder / "samples" / "feeds" / "world-wire.rss")
    assert by_id["cms-drop"].url == str(folder / "var" / "drop")
    assert by_id["cms-drop"].options["seed"] == str(folder / "samples" / "drop")
    result = _newsfeeds("ingest", "--config", str(folder / "config.toml"), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert (folder / "var" / "archive.db").is_file()
    assert sorted(p.name for p in (folder / "var" / "drop" / "done").iterdir())
    assert list(elsewhere.iterdir()) == []  # nothing made where the command ran
