"""config.toml validation: every bad value is reported at once, naming its key and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.config import load
from scheduler.errors import ConfigError
from tests.service_support import ROOT, cli, free_port, sample_config


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    path = sample_config(tmp_path, free_port())
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


CASES = [
    ("typo in a key", "items = 50", "itemz = 50", "feeds.itemz: unknown key"),
    ("bad port", "port = ", "port = 99999 #", "server.port: must be ≤ 65535, got 99999"),
    ("port of the wrong type", "port = ", 'port = "http" #', "server.port: must be an integer"),
    (
        "unknown source kind",
        'kind = "files"',
        'kind = "ftp"',
        "sources.cms-drop.kind: unknown source kind",
    ),
    (
        "unknown timezone",
        'timezone = "Asia/Kolkata"',
        'timezone = "Asia/Kolkatta"',
        "sources.cms-drop.timezone: is not a known IANA timezone, got 'Asia/Kolkatta'",
    ),
    (
        "undefined section",
        'section = "india"',
        'section = "national"',
        "sources.cms-drop.section: is not a configured [[sections]] slug, got 'national'",
    ),
    (
        "duplicate source id",
        'id = "business-desk"',
        'id = "world-wire"',
        "sources[1].id: duplicate source id, got 'world-wire'",
    ),
    (
        "interval below the floor",
        "interval_seconds = 60\nsection",
        "interval_seconds = 5\nsection",
        "sources.cms-drop.interval_seconds: must be ≥ scheduler.min_interval_seconds (60), got 5",
    ),
    (
        "bad base URL",
        'base_url = "http://',
        'base_url = "ftp://',
        "site.base_url: must be an absolute http(s) URL",
    ),
    ("unknown table", "[server]", "[serverr]", "serverr: unknown table or key"),
    ("bad combos", 'combos = "with-articles"', 'combos = "some"', "feeds.combos: must be"),
    (
        "bad country code",
        'countries = ["IN"]',
        'countries = ["XX"]',
        "sources.cms-drop.countries: must be ISO 3166-1",
    ),
    (
        "bad id_pattern",
        'timezone = "UTC"\nrights',
        'timezone = "UTC"\nid_pattern = "(["\nrights',
        "sources.world-wire.id_pattern: is not a valid regex",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_error_names_key_and_value(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(_broken(tmp_path, old, new))
    assert any(message in p for p in info.value.problems), info.value.problems


def test_all_errors_are_reported_at_once(tmp_path: Path) -> None:
    path = _broken(tmp_path, "items = 50", "itemz = 50")
    text = path.read_text(encoding="utf-8").replace('kind = "files"', 'kind = "ftp"')
    path.write_text(text.replace("port = ", "port = 0 #", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(path)
    joined = "\n".join(info.value.problems)
    assert "feeds.itemz" in joined and "sources.cms-drop.kind" in joined and "server.port" in joined


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[site\ntitle = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(bad)
    with pytest.raises(ConfigError, match="no such config file"):
        load(tmp_path / "absent.toml")


def test_bundled_config_is_valid() -> None:
    cfg = load(ROOT / "config.toml")
    assert cfg.store_url == f"sqlite:///{ROOT / 'var' / 'newsfeeds.db'}"  # beside the config
    assert (cfg.host, cfg.port) == ("127.0.0.1", 8080)
    assert len(cfg.sections) == 5 and {s.kind for s in cfg.sources} >= {"feed", "files"}


@pytest.mark.parametrize("command", ["run", "check-config", "ingest", "build"])
def test_startup_fails_with_one_clear_message(tmp_path: Path, command: str) -> None:
    result = cli(_broken(tmp_path, 'kind = "files"', 'kind = "ftp"'), command, timeout=60)
    assert result.returncode == 3
    assert "sources.cms-drop.kind: unknown source kind" in result.stderr
    assert "Traceback" not in result.stderr
