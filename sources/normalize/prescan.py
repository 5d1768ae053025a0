"""Cheap bounds on untrusted markup, applied before the sanitizer ever parses it."""

from __future__ import annotations

import html
import re

from sources.normalize.imagesrc import LAZY_SRCSET, is_tiny, real_src

# html5ever (inside nh3) is quadratic in nesting depth and overflows its stack near 40,000
# levels; native code cannot be interrupted, so depth and size are bounded here first.
_TOKEN = re.compile(r"<!--.*?(?:-->|$)|<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*>?", re.DOTALL)
# HTML §13.1.2: void elements never hold children. A "/>" on any other element is ignored
# by HTML parsers (§13.2.6.4), so "<div/>" still opens a level.
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
# Elements whose start tag closes an open sibling of the same name (HTML §13.1.2.4).
_SELF_CLOSING_SIBLINGS = frozenset(["p", "li", "dt", "dd", "tr", "td", "th", "option"])
_OPENING = re.compile(
    r"<(?!(?:area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr)\b)[a-zA-Z]",
    re.IGNORECASE,
)
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")
# an <img> followed by its <noscript> copy (or a <noscript> alone), as lazy-loaders write them
_NOSCRIPT = re.compile(r"(?:(<img\b[^>]*>)\s*)?<noscript\b[^>]*>(.*?)</noscript\s*>", re.I | re.S)


def cut_to_size(markup: str, max_bytes: int) -> str:
    """Cut markup to at most max_bytes of UTF-8, never inside a tag."""
    if len(markup) * 4 <= max_bytes:  # UTF-8 spends at most 4 bytes per character
        return markup
    data = markup.encode("utf-8", "surrogatepass")
    if len(data) <= max_bytes:
        return markup
    head = data[:max_bytes].decode("utf-8", "ignore")
    opening = head.rfind("<")
    if opening >= 0 and head.rfind(">") < opening:
        head = head[:opening]
    return head


def flatten_deep(markup: str, max_depth: int) -> str:
    """Drop start and end tags nested deeper than max_depth, keeping their text."""
    # Markup cannot nest deeper than the number of start tags it holds.
    if markup.count("<") - markup.count("</") <= max_depth:
        return markup
    if len(_OPENING.findall(markup)) <= max_depth:
        return markup
    out: list[str] = []
    stack: list[str] = []
    dropped: dict[str, int] = {}
    last = 0
    for match in _TOKEN.finditer(markup):
        if match.group(2) is None:
            continue  # a comment
        name = match.group(2).lower()
        if _keeps(match.group(1) == "/", name, stack, dropped, max_depth):
            continue
        out.append(markup[last : match.start()])
        last = match.end()
    out.append(markup[last:])
    return "".join(out)


def _keeps(closing: bool, name: str, stack: list[str], dropped: dict[str, int], limit: int) -> bool:
    """Track the open-element stack; False when this tag is past the depth limit."""
    if closing:
        if dropped.get(name):
            dropped[name] -= 1
            return False
        if name in stack:
            del stack[len(stack) - 1 - stack[::-1].index(name) :]
        return True
    if name in _VOID:
        return True
    if name in _SELF_CLOSING_SIBLINGS and stack and stack[-1] == name:
        stack.pop()
    if len(stack) >= limit:
        dropped[name] = dropped.get(name, 0) + 1
        return False
    stack.append(name)
    return True


def promote_lazy_images(markup: str) -> str:
    """Put each image's photo in its src (lazy-load attributes, srcset, a <noscript> copy);
    drop images that are only placeholders: a feed must never publish one."""
    if _IMG.search(markup) is None:
        return markup
    if "noscript" in markup or "NOSCRIPT" in markup:
        markup = _NOSCRIPT.sub(_noscript_copy, markup)
    return _IMG.sub(_promote, markup)


def _noscript_copy(match: re.Match[str]) -> str:
    """A placeholder <img> (or none) and its <noscript> copy become the copy's <img>."""
    before, inner = match.group(1), _IMG.search(match.group(2))
    if inner is None:
        return match.group(0)  # no image inside: the sanitizer drops the <noscript>
    if before is not None and real_src(_attrs(before)) is not None:
        return before  # the lazy <img> names its photo; the copy would repeat it
    return inner.group(0)


def _promote(match: re.Match[str]) -> str:
    """One <img> tag with its photo in src; "" when it has only a placeholder."""
    attrs = _attrs(match.group(0))
    real = real_src(attrs)
    if real is None:
        return ""
    lazy_set = next((attrs[k] for k in LAZY_SRCSET if attrs.get(k)), None)
    tiny = [k for k in ("width", "height") if is_tiny(attrs.get(k))]
    if real == attrs.get("src") and lazy_set is None and not tiny:
        return match.group(0)
    attrs = {"src": real, **{k: v for k, v in attrs.items() if k != "src"}}
    if lazy_set is not None:
        attrs["srcset"] = lazy_set
    for name in tiny:  # the placeholder's size, not the photo's
        del attrs[name]
    body = " ".join(f'{k}="{_quote(v)}"' for k, v in attrs.items() if k != "/")
    return f"<img {body}>"


def _attrs(tag: str) -> dict[str, str]:
    """An <img> tag's attributes, names lower-cased, values unescaped."""
    found = _ATTR.findall(tag[4:].rstrip(">"))
    return {k.lower(): html.unescape((v or "").strip("\"'")) for k, v in found}


def _quote(value: str) -> str:
    """Escape a value for a double-quoted attribute."""
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
