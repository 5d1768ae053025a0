"""Consumer recognition: every rule of consumers.toml against real User-Agent strings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from feeds.readers.recognize import RULES_FILE, Recognizer, families, load_rules, recognize

AGENTS: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "fixtures" / "readers" / "user_agents.toml").read_text("utf-8")
)["agents"]
RULES = load_rules()


@pytest.mark.parametrize("agent", AGENTS, ids=[a["ua"][:40] for a in AGENTS])
def test_real_user_agents_are_recognised(agent: dict[str, Any]) -> None:
    found = recognize(RULES, agent["ua"])
    assert found.family == agent["family"], agent["source"]
    assert found.subscribers == agent.get("subscribers")
    assert found.feed_id == agent.get("feed_id")


def test_every_rule_has_a_real_string_with_its_source() -> None:
    covered = {a["family"] for a in AGENTS if a["source"].strip()}
    assert set(families(RULES)) <= covered


def test_crawlers_and_aggregators_are_known_libraries_are_not() -> None:
    kinds = {r.family: r.kind for r in RULES}
    assert kinds["google"] == kinds["bing"] == kinds["yahoo"] == "crawler"
    assert kinds["feedly"] == kinds["feedbin"] == "aggregator"
    assert recognize(RULES, "Feedly/1.0 (+http://www.feedly.com/fetcher.html)").is_known_aggregator
    assert not recognize(RULES, "python-requests/2.32.3").is_known_aggregator


def test_a_count_with_thousands_separators_and_no_count() -> None:
    assert recognize(RULES, "NewsBlur Feed Fetcher - 1,234 subscribers - x").subscribers == 1234
    assert recognize(RULES, "Feedly/1.0 (+http://www.feedly.com/fetcher.html)").subscribers is None


def test_the_memo_answers_the_same_and_stays_bounded() -> None:
    recognizer = Recognizer(RULES)
    for n in range(5000):
        recognizer(f"curl/8.{n}")
    assert recognizer("curl/8.1").family == "curl"
    assert len(recognizer._memo) <= 4096


def test_a_broken_rule_names_its_row(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text('[[rules]]\nfamily = "x"\nkind = "robot"\npattern = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape("rules[0]")):
        load_rules(bad)


def test_the_bundled_table_is_the_one_loaded() -> None:
    assert RULES_FILE.name == "consumers.toml" and RULES
