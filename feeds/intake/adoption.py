"""An article's first sight meets its adopted legacy items: the ids and dates readers hold."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence

from feeds.archive.legacy import Adopted
from sources.model.article import Article
from sources.model.legacy import FORMAT_ID, RSS_PERMALINK, WITHHELD, partner_extra

# RFC 3987 absolute IRI: a scheme, then no white space. A bare `123` is no IRI, and in
# atom:id (RFC 4287 §4.2.6) it would make the document invalid.
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


def is_absolute_iri(text: str) -> bool:
    """Could this id stand in atom:id (an absolute IRI)?"""
    return bool(_ABSOLUTE_IRI.fullmatch(text))


def adopted_for(probe: Iterable[str], found: Mapping[str, list[Adopted]]) -> list[Adopted]:
    """The adopted items any of these keys names, each once, oldest adopted first."""
    items: dict[str, Adopted] = {}
    for key in probe:
        for item in found.get(key, ()):
            items.setdefault(item.id, item)
    return list(items.values())


def withheld(article: Article) -> Article:
    """An old story no adopted item matched: archived, in no feed until released."""
    return dataclasses.replace(article, extra=(*article.extra, (WITHHELD, "unmatched")))


def released(article: Article) -> Article:
    """A withheld article let into its feeds (`adopt --include-unmatched`)."""
    return dataclasses.replace(article, extra=tuple(e for e in article.extra if e[0] != WITHHELD))


def with_legacy_ids(article: Article, items: Sequence[Adopted]) -> Article:
    """The article with its public feeds' legacy ids and dates, and each partner's ids."""
    public = [i for i in items if not i.partner]
    found = _with_ids(article, public) if public else article
    partners = sorted({i.partner for i in items if i.partner})
    extra = [*found.extra]
    for partner in partners:
        ids = _with_ids(article, [i for i in items if i.partner == partner]).extra
        extra += [(partner_extra(partner, k), v) for k, v in ids[len(article.extra) :]]
    return dataclasses.replace(found, extra=tuple(extra))


def _with_ids(article: Article, items: Sequence[Adopted]) -> Article:
    """The article as its legacy feeds served it: each format's id, the legacy dates.

    A format the old system had no feed in gets the RSS guid when that is an absolute IRI,
    else keeps the article's own tag: guid. Only ever called at an article's first sight:
    an id once served never changes.
    """
    first: dict[str, Adopted] = {}
    for item in items:
        first.setdefault(item.format, item)
    rss = first.get("rss")
    fallback = rss.legacy_id if rss and is_absolute_iri(rss.legacy_id) else None
    extra: list[tuple[str, str]] = []
    if rss:
        extra.append((FORMAT_ID["rss"], rss.legacy_id))
        extra.append((RSS_PERMALINK, "true" if rss.is_permalink else "false"))
    atom = first.get("atom")
    atom_id = atom.legacy_id if atom and is_absolute_iri(atom.legacy_id) else fallback
    if atom_id:
        extra.append((FORMAT_ID["atom"], atom_id))
    feed = first.get("json")
    json_id = feed.legacy_id if feed else fallback
    if json_id:
        extra.append((FORMAT_ID["json"], json_id))
    dated = next((i for i in (rss, atom, feed) if i and i.published), None)
    published = dated.published if dated and dated.published else article.published
    updated = dated.updated if dated and dated.updated else published
    return dataclasses.replace(
        article,
        extra=(*article.extra, *extra),
        published=published,
        updated=max(updated, published),
    )
