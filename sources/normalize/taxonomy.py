"""Sections, countries and tags from an item's categories and its source's defaults."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pycountry

_NON_WORD = re.compile(r"[\W_]+")
# Names publishers use that ISO 3166 spells differently (pycountry has "Korea, Republic of").
_VARIANTS = {
    "us": "US",
    "u s": "US",
    "u s a": "US",
    "america": "US",
    "united states of america": "US",
    "uk": "GB",
    "u k": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "united kingdom": "GB",
    "south korea": "KR",
    "korea": "KR",
    "republic of korea": "KR",
    "north korea": "KP",
    "russia": "RU",
    "iran": "IR",
    "vietnam": "VN",
    "viet nam": "VN",
    "taiwan": "TW",
    "czech republic": "CZ",
    "czechia": "CZ",
    "ivory coast": "CI",
    "cote d ivoire": "CI",
    "uae": "AE",
    "u a e": "AE",
    "emirates": "AE",
    "syria": "SY",
    "laos": "LA",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "palestine": "PS",
    "vatican": "VA",
    "holland": "NL",
    "the netherlands": "NL",
    "burma": "MM",
    "macedonia": "MK",
    "turkey": "TR",
    "dr congo": "CD",
    "drc": "CD",
    "congo": "CG",
    "brunei": "BN",
    "micronesia": "FM",
    "the gambia": "GM",
    "the bahamas": "BS",
    "east timor": "TL",
    "cape verde": "CV",
    "swaziland": "SZ",
}
# Upper-case acronyms that news desks use as tags far more often than as country codes
# ("AI" is artificial intelligence before it is Anguilla).
_ACRONYMS = frozenset({"AI", "TV", "PR", "PC", "IT", "ID", "FM", "AM", "CV", "CD", "ARE"})
# Dotted abbreviations that are unambiguous in any case ("U.S.", "u.k.").
_DOTTED = frozenset({"u s", "u k", "u s a", "u a e"})


def _key(value: str) -> str:
    """Case- and punctuation-insensitive key: "Business & Economy" -> "business economy"."""
    return _NON_WORD.sub(" ", value.casefold()).strip()


def _build_tables() -> tuple[dict[str, str], dict[str, str]]:
    """Build name and code tables once: pycountry's own lookups are slow per call."""
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for country in pycountry.countries:
        alpha2 = country.alpha_2
        codes[alpha2] = alpha2
        codes[country.alpha_3] = alpha2
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name:
                names[_key(name)] = alpha2
    names.update(_VARIANTS)
    codes.update({"UK": "GB", "USA": "US", "UAE": "AE"})
    return names, codes


_NAMES, _CODES = _build_tables()


def country_code(value: str) -> str | None:
    """ISO alpha-2 for a country name, variant, or upper-case alpha-2/alpha-3 code."""
    text = value.strip()
    if not text:
        return None
    # Codes count only in upper case: "in", "it", "is" and "me" are words, "IN" is India.
    if text.isupper() and text.isalpha() and len(text) <= 3:
        return None if text in _ACRONYMS else _CODES.get(text)
    key = _key(text)
    if len(key.replace(" ", "")) <= 3 and key not in _DOTTED:
        return None
    return _NAMES.get(key)


def country_codes(values: Iterable[str]) -> tuple[str, ...]:
    """ISO alpha-2 codes for the values that name a country, de-duplicated, order kept."""
    found = (country_code(v) for v in values)
    return tuple(dict.fromkeys(code for code in found if code))


def explicit_country_codes(values: Iterable[str]) -> tuple[str, ...]:
    """Codes from a field that holds only countries: codes count in any letter case there."""
    found = (_CODES.get(v.strip().upper()) or country_code(v) for v in values)
    return tuple(dict.fromkeys(code for code in found if code))


def slug_key(value: str) -> str:
    """Slug form of a label: "Business & Economy" -> "business-economy"."""
    return _key(value).replace(" ", "-")


def section_for(
    categories: Iterable[str], default: str, aliases: Mapping[str, tuple[str, ...]]
) -> tuple[str, tuple[str, ...]]:
    """The first category naming a section (by slug or alias) and the leftover tags.

    Leftover tags exclude categories that name a country: those belong in countries.
    Tags are de-duplicated case-insensitively, first spelling kept.
    """
    lookup = _alias_lookup(aliases)
    section: str | None = None
    tags: dict[str, str] = {}
    for category in categories:
        slug = lookup.get(slug_key(category))
        if slug is not None:
            section = section or slug
        elif category.strip() and country_code(category) is None:
            tags.setdefault(category.strip().casefold(), category.strip())
    return section or default, tuple(tags.values())


def _alias_lookup(aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Map each slug and alias, in slug form, to its section slug."""
    lookup: dict[str, str] = {}
    for slug, names in aliases.items():
        lookup.setdefault(slug_key(slug), slug)
        for name in names:
            lookup.setdefault(slug_key(name), slug)
    return lookup
