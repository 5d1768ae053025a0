"""Per-source CSS selectors and regexes (`selectors`, `patterns`, `date_format` options)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from lxml import html as lxml_html
from lxml.cssselect import CSSSelector, SelectorError

from sources.errors import OptionError
from sources.html.body import clean_body, select
from sources.html.fields import PageFields, squash
from sources.model.spec import SourceSpec
from sources.normalize.imagesrc import is_tiny, real_src

FIELDS = (
    "title",
    "summary",
    "authors",
    "published",
    "updated",
    "section",
    "countries",
    "image",
    "caption",
    "credit",
    "body",
)
_MANY = ("authors", "countries")


@dataclass(frozen=True, slots=True)
class PageRules:
    """A source's extraction rules, validated: CSS by field, regex by field, date format."""

    selectors: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    patterns: Mapping[str, re.Pattern[str]] = field(default_factory=lambda: MappingProxyType({}))
    date_format: str | None = None


def rules_from(source: SourceSpec) -> PageRules:
    """The rules in a source's options; a bad selector, regex or name is a SourceError."""
    selectors = _table(source, "selectors")
    patterns = _table(source, "patterns")
    for name, css in selectors.items():
        try:
            CSSSelector(css)
        except SelectorError as exc:
            raise _bad(source, f"selectors.{name}", f"not a CSS selector ({exc})") from exc
    compiled = {}
    for name, regex in patterns.items():
        try:
            compiled[name] = re.compile(regex)
        except re.error as exc:
            raise _bad(source, f"patterns.{name}", f"not a regex ({exc})") from exc
    date_format = source.options.get("date_format")
    if date_format is not None and not isinstance(date_format, str):
        raise _bad(source, "date_format", f"must be a strptime format, got {date_format!r}")
    return PageRules(MappingProxyType(selectors), MappingProxyType(compiled), date_format)


def selector_fields(
    doc: lxml_html.HtmlElement, rules: PageRules, drop_css: Sequence[str] = ()
) -> PageFields:
    """What the configured selectors (and their patterns) find; drop_css is cut from the body."""
    one = {name: _one(doc, rules, name) for name in FIELDS if name not in _MANY}
    image = [_image_element(e) for e in _select(doc, rules.selectors.get("image"))]
    body = _select(doc, rules.selectors.get("body"))
    return PageFields(
        title=one["title"],
        summary=one["summary"],
        body=clean_body(body, drop_css) if body else None,
        authors=_many(doc, rules, "authors"),
        section=one["section"],
        countries=_many(doc, rules, "countries"),
        published=one["published"],
        updated=one["updated"],
        image=_pattern(rules, "image", _image_src(image[0])) if image else None,
        image_width=_size(image[0], "width") if image else None,
        image_height=_size(image[0], "height") if image else None,
        caption=one["caption"],
        credit=one["credit"],
    )


def parse_date(text: str | None, date_format: str | None) -> str | None:
    """A date in `date_format` as naive ISO 8601 (the source timezone resolves it); else as is."""
    if text is None or date_format is None:
        return text
    try:
        return datetime.strptime(text.strip(), date_format).isoformat()
    except ValueError:
        return text


def _table(source: SourceSpec, key: str) -> dict[str, str]:
    """An inline table of strings keyed by field name."""
    value = source.options.get(key, {})
    if not isinstance(value, Mapping):
        raise _bad(source, key, f"must be a table of field = string, got {value!r}")
    for name, text in value.items():
        if name not in FIELDS:
            raise _bad(source, f"{key}.{name}", f"unknown field; known: {', '.join(FIELDS)}")
        if not isinstance(text, str) or not text.strip():
            raise _bad(source, f"{key}.{name}", f"must be a non-empty string, got {text!r}")
    return dict(value)


def _bad(source: SourceSpec, key: str, why: str) -> OptionError:
    """An error naming the source and the option."""
    return OptionError(source.id, key, why)


def _select(doc: lxml_html.HtmlElement, css: str | None) -> list[lxml_html.HtmlElement]:
    """Elements matching a selector, in document order."""
    return select(doc, css) if css else []


def _value(element: lxml_html.HtmlElement) -> str | None:
    """An element's text; a meta tag's content."""
    if element.tag == "meta":
        return squash(element.get("content"))
    return squash(element.text_content())


def _pattern(rules: PageRules, name: str, text: str | None) -> str | None:
    """The field's regex applied to text: the first group (or the match); no match is None."""
    regex = rules.patterns.get(name)
    if text is None or regex is None:
        return text
    found = regex.search(text)
    if found is None:
        return None
    return squash(found.group(1) if regex.groups else found.group(0))


def _one(doc: lxml_html.HtmlElement, rules: PageRules, name: str) -> str | None:
    """The first selected element whose text the pattern accepts."""
    for element in _select(doc, rules.selectors.get(name)):
        value = _pattern(rules, name, _value(element))
        if value:
            return (
                parse_date(value, rules.date_format) if name in ("published", "updated") else value
            )
    return None


def _many(doc: lxml_html.HtmlElement, rules: PageRules, name: str) -> tuple[str, ...]:
    """Every selected element's text the pattern accepts, without repeats."""
    values = (_pattern(rules, name, _value(e)) for e in _select(doc, rules.selectors.get(name)))
    return tuple(dict.fromkeys(v for v in values if v))


def _image_element(element: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """The img inside a selected figure or wrapper that names its photo (a <noscript> copy
    counts), else its first img, else the element itself."""
    if element.tag in ("img", "meta"):
        return element
    inner = list(element.iter("img"))
    named = (i for i in inner if real_src(dict(i.attrib)) is not None)
    return next(named, inner[0] if inner else element)


def _image_src(element: lxml_html.HtmlElement) -> str | None:
    """An image URL from an img (its photo: lazy-load attributes, srcset), a meta tag, or a
    link's href; None for an img holding only a placeholder."""
    if element.tag == "meta":
        return squash(element.get("content"))
    if element.tag == "img":
        return squash(real_src(dict(element.attrib)))
    return squash(element.get("href"))


def _size(element: lxml_html.HtmlElement, name: str) -> str | None:
    """A declared width or height, unless it is a placeholder's (1×1)."""
    value = element.get(name)
    return None if is_tiny(value) else value
