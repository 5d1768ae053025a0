"""Normalization: pure functions that turn a source's RawItem into an Article."""

from sources.normalize.assemble import NORMALIZER_VERSION, normalize
from sources.normalize.dates import parse_date
from sources.normalize.identity import identity_keys
from sources.normalize.markup import sanitize_html
from sources.normalize.taxonomy import country_codes, section_for
from sources.normalize.text import plain_text
from sources.normalize.urls import canonical_url

__all__ = [
    "NORMALIZER_VERSION",
    "canonical_url",
    "country_codes",
    "identity_keys",
    "normalize",
    "parse_date",
    "plain_text",
    "sanitize_html",
    "section_for",
]
