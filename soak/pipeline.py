"""One input through the whole path (parse → normalize → render every format), and the checks
on what comes out: executable markup, expanded entities, leaked secrets."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from feeds.catalog import Format
from feeds.render import render
from feeds.site import Site, meta_for
from sources.errors import SourceError
from sources.kinds.feed import parse_feed
from sources.model.spec import NormalizeSettings, SourceSpec
from sources.normalize import normalize

SOURCE = SourceSpec(
    id="hostile", kind="feed", url="https://h.example/feed", interval_seconds=300, section="world"
)
SETTINGS = NormalizeSettings(authority="soak.example.com")
SITE = Site(title="Soak", base_url="http://127.0.0.1:8080", authority="soak.example.com")
NOW = datetime(2026, 3, 2, tzinfo=UTC)
# what a browser would run: a script element, an on* handler inside a tag, a javascript: URL
# (browsers drop tabs and newlines inside a URL scheme, so whitespace is removed first)
EXECUTABLE = (
    re.compile(r"<\s*script", re.I),
    re.compile(r"<[^>]*[\s/\"']on[a-z]+\s*=", re.I),
    re.compile(r"javascript:", re.I),
)


@dataclass
class Outcome:
    """What one input did."""

    items: int = 0
    articles: int = 0
    refused: str = ""  # a SourceError message: bad input reported, not a crash
    executable: list[str] = field(default_factory=list)
    leaked: list[str] = field(default_factory=list)  # markers that must never appear in output


def executable_in(text: str) -> str | None:
    """The first executable-markup pattern found in decoded text, if any."""
    squeezed = re.sub(r"[\s\x00-\x1f]+", "", text)
    for pattern in EXECUTABLE:
        m = pattern.search(text) or (
            pattern.search(squeezed) if pattern.pattern == "javascript:" else None
        )
        if m:
            return m.group(0)
    return None


def decoded_strings(fmt: str, body: bytes) -> list[str]:
    """Every text node and attribute value (entities decoded), as a reader would see them."""
    if fmt == "json":
        out: list[str] = []
        stack: list[object] = [json.loads(body)]
        while stack:
            v = stack.pop()
            if isinstance(v, str):
                out.append(v)
            elif isinstance(v, dict):
                stack.extend(v.values())
            elif isinstance(v, list):
                stack.extend(v)
        return out
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    texts = [str(t) for t in root.itertext()]
    texts += [str(v) for el in root.iter() for v in el.attrib.values()]
    return texts


def run(body: bytes, markers: tuple[str, ...] = ()) -> Outcome:
    """Parse, normalize, render; SourceError is a refusal, any other exception propagates."""
    out = Outcome()
    try:
        raws, _ = parse_feed(
            body,
            content_type="application/rss+xml",
            source=SOURCE,
            max_entries=500,
            base_url=SOURCE.url,
        )
    except SourceError as exc:
        out.refused = str(exc)[:200]
        return out
    out.items = len(raws)
    articles = []
    for raw in raws:
        try:
            articles.append(normalize(raw, SOURCE, SETTINGS, now=NOW))
        except SourceError:
            continue
    out.articles = len(articles)
    formats: tuple[Format, ...] = ("rss", "atom", "json")
    for fmt in formats:
        doc = render(fmt, meta_for(SITE, "latest"), articles)
        for text in decoded_strings(fmt, doc):
            found = executable_in(text)
            if found:
                out.executable.append(f"{fmt}: {found!r} in {text[:80]!r}")
            out.leaked += [f"{fmt}: {m}" for m in markers if m in text]
    return out
