"""Sanitized article HTML: a news allowlist, absolute URLs, nothing that runs."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import nh3

from sources.model.spec import NormalizeSettings
from sources.normalize.prescan import cut_to_size, flatten_deep, promote_lazy_images
from sources.normalize.text import xml_legal
from sources.normalize.urls import WEB_SCHEMES, host_of

ALLOWED_TAGS = frozenset(
    [
        "p",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "a",
        "img",
        "figure",
        "figcaption",
        "blockquote",
        "q",
        "cite",
        "em",
        "strong",
        "b",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "code",
        "pre",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "caption",
        "hr",
        "span",
        "div",
        "picture",
        "source",
        "time",
        "abbr",
        "dl",
        "dt",
        "dd",
        "iframe",
    ]
)
_ATTRIBUTES = {
    "*": {"title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "srcset", "sizes", "alt", "width", "height"},
    "source": {"src", "srcset", "sizes", "type", "media"},
    "iframe": {"src", "width", "height", "allowfullscreen"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "ol": {"start", "reversed"},
    "li": {"value"},
}
# Removed with everything inside them, not just unwrapped.
_DROP_WITH_CONTENT = {"script", "style", "template", "noscript", "textarea", "select"}
_URL_ATTRS = frozenset({"href", "src", "cite", "poster"})
_SRCSET_ATTRS = frozenset({"srcset"})
_IFRAME = re.compile(r"(<iframe\b[^>]*>).*?</iframe>", re.DOTALL)
_IFRAME_WITHOUT_SRC = re.compile(r"<iframe\b(?![^>]*\ssrc=)[^>]*></iframe>")
_BLANK = re.compile(r"^(?:\s|&nbsp;|<br>|<p>|</p>|<div>|</div>)*$")


def sanitize_html(html: str, base_url: str | None, settings: NormalizeSettings) -> str:
    """Bound, sanitize and absolutize an HTML fragment; "" when nothing readable is left."""
    bounded = cut_to_size(xml_legal(html), settings.max_content_bytes)
    bounded = promote_lazy_images(flatten_deep(bounded, settings.max_html_depth))
    cleaner = nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        attribute_filter=_url_filter(base_url, frozenset(settings.iframe_hosts)),
        url_schemes=set(WEB_SCHEMES | {"mailto"}),
        link_rel="noopener",
    )
    cleaned = cleaner.clean(bounded)
    # An iframe's children are raw text to html5ever and come back unescaped: drop them,
    # then drop iframes whose src was refused.
    cleaned = _IFRAME_WITHOUT_SRC.sub("", _IFRAME.sub(r"\1</iframe>", cleaned))
    cleaned = xml_legal(cleaned).strip()
    return "" if _BLANK.match(cleaned) else cleaned


def _url_filter(
    base_url: str | None, iframe_hosts: frozenset[str]
) -> Callable[[str, str, str], str | None]:
    """Attribute callback: absolutize URLs, refuse unsafe schemes and foreign iframes."""

    def absolute(value: str) -> str | None:
        return _absolute(base_url or "", value.strip())

    def rewrite(element: str, attribute: str, value: str) -> str | None:
        if attribute in _URL_ATTRS:
            url = absolute(value)
            if element == "iframe" and (url is None or host_of(url) not in iframe_hosts):
                return None
            return url
        if attribute in _SRCSET_ATTRS:
            return _absolute_srcset(value, absolute)
        return value

    return rewrite


@lru_cache(maxsize=4096)
def _absolute(base_url: str, value: str) -> str | None:
    """value resolved against base_url when it is a web or mailto URL; cached, as pages repeat."""
    try:
        url = urljoin(base_url, value)
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if not scheme and not base_url:
        return url  # nothing to resolve against: relative stays relative
    return url if scheme in WEB_SCHEMES or scheme == "mailto" else None


def _absolute_srcset(value: str, absolute: Callable[[str], str | None]) -> str | None:
    """Absolutize each "url descriptor" candidate of a srcset (HTML §4.8.4.3)."""
    candidates = []
    for candidate in value.split(","):
        url, _, descriptor = candidate.strip().partition(" ")
        resolved = absolute(url) if url else None
        if resolved:
            candidates.append(f"{resolved} {descriptor.strip()}".strip())
    return ", ".join(candidates) or None
