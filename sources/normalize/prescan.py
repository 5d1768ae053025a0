"""Cheap bounds on untrusted markup, applied before the sanitizer ever parses it."""

from __future__ import annotations

import html
import re

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
_LAZY_SRC = ("data-src", "data-lazy-src", "data-original", "data-url")
_LAZY_SRCSET = ("data-srcset", "data-lazy-srcset")
_PLACEHOLDER = re.compile(r"^\s*$|^data:|placeholder|blank\.|spacer|pixel\.|lazy|1x1", re.I)


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
    """Use data-src/data-lazy-src (and srcset) as src when src is missing or a placeholder."""
    if "data-" not in markup:
        return markup
    return _IMG.sub(_promote, markup)


def _promote(match: re.Match[str]) -> str:
    """Rewrite one <img> tag's attributes for lazy loading scripts that never run in feeds."""
    found = _ATTR.findall(match.group(0)[4:])
    attrs = {k.lower(): html.unescape((v or "").strip("\"'")) for k, v in found}
    lazy = next((attrs[k] for k in _LAZY_SRC if attrs.get(k)), None)
    lazy_set = next((attrs[k] for k in _LAZY_SRCSET if attrs.get(k)), None)
    if _PLACEHOLDER.search(attrs.get("src", "")) and lazy:
        attrs["src"] = lazy
        if lazy_set:
            attrs["srcset"] = lazy_set
    elif not lazy:
        return match.group(0)
    body = " ".join(f'{k}="{_quote(v)}"' for k, v in attrs.items() if k != "/")
    return f"<img {body}>"


def _quote(value: str) -> str:
    """Escape a value for a double-quoted attribute."""
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
