"""Normalization: pure functions that turn a source's RawItem into an Article.

This package's names are the normalizer's entry point, the only part of it other packages
use: `normalize` itself, and the identity formats intake matches the archive by.
"""

from sources.normalize.assemble import NORMALIZER_VERSION, normalize
from sources.normalize.dates import parse_date
from sources.normalize.identity import (
    adoption_keys,
    article_id_in,
    identity_keys,
    legacy_keys,
    mint_feed_id,
    mint_id,
    upstream_key,
)
from sources.normalize.markup import sanitize_html
from sources.normalize.taxonomy import country_codes, section_for
from sources.normalize.text import plain_text
from sources.normalize.urls import canonical_url

__all__ = [
    "NORMALIZER_VERSION",
    "adoption_keys",
    "article_id_in",
    "canonical_url",
    "country_codes",
    "identity_keys",
    "legacy_keys",
    "mint_feed_id",
    "mint_id",
    "normalize",
    "parse_date",
    "plain_text",
    "sanitize_html",
    "section_for",
    "upstream_key",
]
