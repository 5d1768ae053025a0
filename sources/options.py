"""Kind-specific source options: which kind takes which, and their checks.

The config loader runs `check` once at start-up, so a wrong option is reported with every
other config problem; the collectors run the same checks, which then never fire.
"""

from __future__ import annotations

from lxml.cssselect import CSSSelector, SelectorError

from sources.errors import OptionError
from sources.selectors import rules_from
from sources.spec import SourceSpec

OPTIONS_BY_KIND: dict[str, tuple[str, ...]] = {
    "feed": (),
    "files": ("seed", "settle_seconds"),
    "page": ("urls", "listing", "link_selector", "selectors", "patterns", "date_format"),
    "sitemap": ("selectors", "patterns", "date_format"),
}
EVERY_OPTION = tuple(dict.fromkeys(o for names in OPTIONS_BY_KIND.values() for o in names))


def check(source: SourceSpec) -> list[OptionError]:
    """Every problem with a source's kind-specific options (none for an unknown kind)."""
    allowed = OPTIONS_BY_KIND.get(source.kind)
    if allowed is None:
        return []
    problems = [
        OptionError(source.id, name, f"is not an option of a {source.kind} source{_takes(source)}")
        for name in source.options
        if name not in allowed
    ]
    for checker in _CHECKS.get(source.kind, ()):
        try:
            checker(source)
        except OptionError as exc:
            problems.append(exc)
    return problems


def _takes(source: SourceSpec) -> str:
    allowed = OPTIONS_BY_KIND[source.kind]
    return f" (it takes {', '.join(allowed)})" if allowed else " (it takes none)"


def settle_seconds(source: SourceSpec) -> float:
    """How long a drop file must be left alone before it is read (default 2 s)."""
    value = source.options.get("settle_seconds", 2)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise OptionError(source.id, "settle_seconds", f"must be a number ≥ 0, got {value!r}")
    return float(value)


def seed(source: SourceSpec) -> str | None:
    """The folder copied into a drop folder on first run, if any."""
    value = source.options.get("seed")
    if value is not None and not (isinstance(value, str) and value):
        raise OptionError(source.id, "seed", f"must be a folder's path, got {value!r}")
    return value


def page_urls(source: SourceSpec) -> list[str] | None:
    """`urls`: the article pages a page source reads directly, if given."""
    urls = source.options.get("urls")
    if urls is None:
        return None
    if not isinstance(urls, list | tuple) or not all(isinstance(u, str) and u for u in urls):
        raise OptionError(source.id, "urls", f"must be a list of URLs, got {urls!r}")
    return list(urls)


def listing(source: SourceSpec) -> tuple[str | None, str | None]:
    """(listing URL, link selector) of a page source; the selector is needed for a listing."""
    url, selector = source.options.get("listing"), source.options.get("link_selector")
    if url is not None and not (isinstance(url, str) and url):
        raise OptionError(source.id, "listing", f"must be a URL, got {url!r}")
    if url is None and selector is None:
        return None, None
    if not (isinstance(selector, str) and selector):
        raise OptionError(
            source.id, "link_selector", f"a listing needs a CSS selector, got {selector!r}"
        )
    try:
        CSSSelector(selector)
    except SelectorError as exc:
        raise OptionError(source.id, "link_selector", f"not a CSS selector ({exc})") from exc
    return url, selector


def _something_to_read(source: SourceSpec) -> None:
    has = source.url or "urls" in source.options or "listing" in source.options
    if not has:
        raise OptionError(source.id, "url", "a page source needs url, urls or listing")


def _page_rules(source: SourceSpec) -> None:
    rules_from(source)


_CHECKS = {
    "files": (settle_seconds, seed),
    "page": (page_urls, listing, _something_to_read, _page_rules),
    "sitemap": (_page_rules,),
}
