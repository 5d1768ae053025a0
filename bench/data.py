"""Deterministic, seeded bench data built through the project's own intake and publish paths."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from feeds.archive.engine import Store
from feeds.catalog import ComboRule
from feeds.intake import IntakeRules, take
from feeds.site import Site
from sources.model.raw import RawItem
from sources.model.spec import NormalizeSettings, SourceSpec

NOW = datetime(2026, 1, 1, tzinfo=UTC)  # the fixed clock every bench run uses
AUTHORITY = "bench.example.com"
BASE_URL = "http://127.0.0.1:8080"
COUNTRIES = [
    "US",
    "GB",
    "IN",
    "FR",
    "DE",
    "JP",
    "CN",
    "BR",
    "ZA",
    "NG",
    "KE",
    "EG",
    "AU",
    "CA",
    "MX",
    "AR",
    "ES",
    "IT",
    "NL",
    "SE",
    "NO",
    "DK",
    "FI",
    "PL",
    "UA",
    "TR",
    "SA",
    "AE",
    "IL",
    "IR",
    "PK",
    "BD",
    "LK",
    "NP",
    "ID",
    "MY",
    "SG",
    "PH",
    "VN",
    "TH",
    "KR",
]
_WORDS = [
    "market",
    "election",
    "storm",
    "court",
    "minister",
    "river",
    "energy",
    "vaccine",
    "league",
    "summit",
    "budget",
    "strike",
    "harvest",
    "tariff",
    "satellite",
    "border",
    "museum",
    "festival",
    "drought",
    "reform",
    "council",
]


@dataclass(frozen=True, slots=True)
class Shape:
    """The shape of a data set: how many sections and countries, how long the bodies."""

    sections: int = 5
    countries: int = 10
    body_bytes: int = 4000

    def section_slugs(self) -> list[str]:
        """Section slugs s00, s01, …"""
        return [f"s{i:02d}" for i in range(self.sections)]

    def country_codes(self) -> list[str]:
        """The first `countries` ISO codes (the full ISO list when more are asked for)."""
        if self.countries <= len(COUNTRIES):
            return COUNTRIES[: self.countries]
        return list(_iso_codes()[: self.countries])


@functools.cache
def _iso_codes() -> tuple[str, ...]:
    """Every ISO 3166 alpha-2 code, sorted (sorted once: seeding asks for every article)."""
    import pycountry

    return tuple(sorted(c.alpha_2 for c in pycountry.countries))


def sources_of(shape: Shape) -> list[SourceSpec]:
    """One feed source per section."""
    return [
        SourceSpec(
            id=f"bench-{s}", kind="feed", url="http://127.0.0.1/", interval_seconds=300, section=s
        )
        for s in shape.section_slugs()
    ]


def rules() -> IntakeRules:
    """Intake rules: every section×country combination gets a feed."""
    return IntakeRules(normalize=NormalizeSettings(authority=AUTHORITY), combos=ComboRule())


def site_of(
    shape: Shape,
    *,
    items: int = 50,
    formats: tuple[str, ...] = ("rss", "atom", "json"),
    base_url: str = BASE_URL,
) -> Site:
    """Publishing values for a data set."""
    titles = {s: f"Section {s.upper()}" for s in shape.section_slugs()}
    return Site(
        title="Bench Ledger",
        base_url=base_url,
        authority=AUTHORITY,
        items=items,
        formats=formats,  # type: ignore[arg-type]
        section_titles=MappingProxyType(titles),
        section_descriptions=MappingProxyType({s: f"News of {t}" for s, t in titles.items()}),
    )


def body(rng: random.Random, size: int) -> str:
    """An HTML body of about `size` bytes: paragraphs of words, a link and an image."""
    parts = ['<p><img src="/img/lead.jpg" alt="lead"></p>']
    total = 0
    while total < size:
        words = " ".join(rng.choice(_WORDS) for _ in range(40))
        para = f'<p>{words} <a href="/more/{rng.randrange(10**6)}">more</a></p>'
        parts.append(para)
        total += len(para)
    return "".join(parts)


def raw_item(shape: Shape, index: int, seed: int, *, stamp: datetime | None = None) -> RawItem:
    """The index-th article of a data set: the same inputs always give the same item."""
    rng = random.Random(seed * 1_000_003 + index)
    sections = shape.section_slugs()
    countries = shape.country_codes()
    section = sections[index % len(sections)]
    # spread countries independently of sections so every combination fills up
    country = countries[(index // len(sections)) % len(countries)]
    when = stamp or NOW - timedelta(minutes=index % 500_000, seconds=index % 60)
    title = " ".join(rng.choice(_WORDS) for _ in range(8)).capitalize()
    return RawItem(
        source_id=f"bench-{section}",
        upstream_id=f"bench-{seed}-{index}",
        url=f"https://news.bench.example.com/{section}/{index}-{title.split()[0]}",
        title=title,
        summary=f"{title}. " + " ".join(rng.choice(_WORDS) for _ in range(30)),
        content=body(rng, shape.body_bytes) if shape.body_bytes else None,
        authors=(f"Reporter {index % 97}",),
        categories=("Bench", rng.choice(_WORDS)),
        countries=(country,),
        published=when.isoformat(),
        updated=when.isoformat(),
    )


def seed(
    store: Store, shape: Shape, count: int, seed_value: int, *, batch: int = 1000, start: int = 0
) -> float:
    """Store `count` articles through intake in ~`batch`-row transactions; return rows/s."""
    specs = {s.id: s for s in sources_of(shape)}
    the_rules = rules()
    started = time.perf_counter()
    for first in range(start, start + count, batch):
        items = [
            raw_item(shape, i, seed_value) for i in range(first, min(first + batch, start + count))
        ]
        for source_id, group in _by_source(items):
            take(store, specs[source_id], group, the_rules, now=NOW)
    return count / max(time.perf_counter() - started, 1e-9)


def _by_source(items: list[RawItem]) -> Iterator[tuple[str, list[RawItem]]]:
    groups: dict[str, list[RawItem]] = {}
    for item in items:
        groups.setdefault(item.source_id, []).append(item)
    yield from groups.items()
