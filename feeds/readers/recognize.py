"""Tell a consumer from its User-Agent by the rule table in consumers.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["aggregator", "crawler", "reader", "library", "other"]
KINDS: tuple[Kind, ...] = ("aggregator", "crawler", "reader", "library", "other")
OTHER = "other"
RULES_FILE = Path(__file__).resolve().parent / "consumers.toml"

# "134 subscribers", "1 subscriber", "1,234 subscribers" (Feedly, Inoreader, NewsBlur, Feedbin …)
_SUBSCRIBERS = re.compile(r"\b(\d{1,3}(?:,\d{3})+|\d{1,9}) subscribers?\b", re.IGNORECASE)
# "feed-id:1306543" (Feedbin), "feed-id=0719795c4d27c784217b0bc0" (The Old Reader)
_FEED_ID = re.compile(r"\bfeed-id[:=]\s*([A-Za-z0-9_-]{1,64})")
_MEMO_MAX = 4096  # distinct User-Agents remembered; clients send few


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the table: a pattern and the family and kind it names."""

    family: str
    kind: Kind
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Consumer:
    """What a User-Agent says: its family and kind, and the subscribers it fetches for."""

    family: str
    kind: Kind
    subscribers: int | None = None
    feed_id: str | None = None

    @property
    def is_known_aggregator(self) -> bool:
        """Aggregators and crawlers fetch for many; throttling never applies to them."""
        return self.kind in ("aggregator", "crawler")


UNKNOWN = Consumer(OTHER, "other")


def load_rules(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    """The rule table, in file order; a bad row names its index and what is wrong."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    rules = []
    for n, row in enumerate(data.get("rules", [])):
        kind = row.get("kind")
        if kind not in KINDS or not row.get("family") or not row.get("pattern"):
            raise ValueError(f"{path.name}: rules[{n}]: needs family, pattern, a kind in {KINDS}")
        rules.append(Rule(str(row["family"]), kind, re.compile(row["pattern"], re.IGNORECASE)))
    return tuple(rules)


def families(rules: tuple[Rule, ...]) -> tuple[str, ...]:
    """Every family the table can name, and "other": the bounded label set."""
    return (*dict.fromkeys(r.family for r in rules), OTHER)


class Recognizer:
    """User-Agent → Consumer, remembered per distinct string (the hot path sees few)."""

    def __init__(self, rules: tuple[Rule, ...] | None = None) -> None:
        self.rules = load_rules() if rules is None else rules
        self._memo: dict[str, Consumer] = {}

    def __call__(self, user_agent: str) -> Consumer:
        found = self._memo.get(user_agent)
        if found is None:
            found = recognize(self.rules, user_agent)
            if len(self._memo) >= _MEMO_MAX:
                self._memo.clear()
            self._memo[user_agent] = found
        return found


def recognize(rules: tuple[Rule, ...], user_agent: str) -> Consumer:
    """The first matching rule's family, with the subscriber count and feed id it reports."""
    rule = next((r for r in rules if r.pattern.search(user_agent)), None)
    if rule is None:
        return UNKNOWN
    count = _SUBSCRIBERS.search(user_agent)
    feed_id = _FEED_ID.search(user_agent)
    return Consumer(
        rule.family,
        rule.kind,
        subscribers=int(count.group(1).replace(",", "")) if count else None,
        feed_id=feed_id.group(1) if feed_id else None,
    )
