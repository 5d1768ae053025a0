"""Countries, sections and tags from categories, as news sources label them."""

from __future__ import annotations

import pytest

from sources.normalize import country_codes, section_for

ALIASES = {
    "business-economy": ("Business", "Economy", "Markets"),
    "world": ("International", "World News"),
    "tech": ("Technology", "Sci/Tech"),
}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["U.S.", "USA", "US", "United States", "united states of america"], ("US",)),
        (["UK", "Britain", "Great Britain", "England", "United Kingdom", "u.k."], ("GB",)),
        (["South Korea", "North Korea", "Korea, Republic of"], ("KR", "KP")),
        (["Russia", "Russian Federation", "RUS", "RU"], ("RU",)),
        (["Iran", "Vietnam", "Viet Nam", "Taiwan"], ("IR", "VN", "TW")),
        (["Czech Republic", "Czechia", "Ivory Coast", "Côte d'Ivoire", "UAE"], ("CZ", "CI", "AE")),
        (["india", "INDIA", "IN", "IND"], ("IN",)),
        (["France", "FRA", "DE", "Germany"], ("FR", "DE")),
        # Ordinary words and lower-case codes are not countries.
        (["in", "it", "is", "to", "me", "us", "no", "at", "be", "fra", "usa"], ()),
        (["Politics", "World", "Business & Economy", "", "  "], ()),
        # Acronyms news desks use as topics, not countries.
        (["AI", "TV", "PR"], ()),
        (["Brazil", "Peru", "Brazil"], ("BR", "PE")),
    ],
)
def test_country_codes(values: list[str], expected: tuple[str, ...]) -> None:
    assert country_codes(values) == expected


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (["Business & Economy"], ("business-economy", ())),
        (["business-economy"], ("business-economy", ())),
        (["BUSINESS_ECONOMY!"], ("business-economy", ())),
        (["Markets", "Stocks"], ("business-economy", ("Stocks",))),
        (["Sci/Tech", "Gadgets", "gadgets"], ("tech", ("Gadgets",))),
        # The first category that maps wins; later section names are not tags.
        (["World News", "Technology", "Elections"], ("world", ("Elections",))),
        # Unknown categories stay as tags; countries are not tags.
        (["Elections", "India", "US", "in"], ("news", ("Elections", "in"))),
        ([], ("news", ())),
    ],
)
def test_section_for(categories: list[str], expected: tuple[str, tuple[str, ...]]) -> None:
    assert section_for(categories, "news", ALIASES) == expected
