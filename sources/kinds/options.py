"""Kind-specific source options and their checks (which kind takes which: the registry).

The config loader runs every check once at start-up, so a wrong option is reported with
every other config problem; the collectors call the same functions, which then never fail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lxml.cssselect import CSSSelector, SelectorError

from sources.errors import OptionError
from sources.html.selectors import rules_from
from sources.model.spec import SourceSpec

Check = Callable[[SourceSpec], object]  # raises OptionError when an option is wrong


def problems(
    source: SourceSpec, allowed: tuple[str, ...], checks: Sequence[Check]
) -> list[OptionError]:
    """Every problem with a source's options: names its kind does not take, then each check."""
    takes = f" (it takes {', '.join(allowed)})" if allowed else " (it takes none)"
    found = [
        OptionError(source.id, name, f"is not an option of a {source.kind} source{takes}")
        for name in source.options
        if name not in allowed
    ]
    for check in checks:
        try:
            check(source)
        except OptionError as exc:
            found.append(exc)
    return found


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


def something_to_read(source: SourceSpec) -> None:
    has = source.url or "urls" in source.options or "listing" in source.options
    if not has:
        raise OptionError(source.id, "url", "a page source needs url, urls or listing")


def page_rules(source: SourceSpec) -> None:
    rules_from(source)
