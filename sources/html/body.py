"""An article's body HTML without the page around it: no menus, trending lists or footers."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence

from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector

# Elements that are never article text (HTML Living Standard §4.3 sectioning for nav,
# header, footer, aside; the rest is machinery or interaction).
_DROP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form"}
    | {"button", "input", "select", "textarea", "label", "svg", "canvas", "link", "meta", "h1"}
)
# ARIA landmark roles of page furniture (WAI-ARIA 1.2 §5.3.4).
_DROP_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
)
# class/id words of furniture, matched as whole words of the attribute.
_FURNITURE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|masthead|sidebar|widget|trending|latest|"
    r"related|recommended|popular|most-read|share|sharing|social|newsletter|subscribe|signup|"
    r"advert|advertisement|ads?|promo|sponsored|comments?|cookie|paywall|outbrain|taboola)"
    r"(?=$|[\s_-])",
    re.IGNORECASE,
)
# Headings that open a list of other stories rather than article text.
_FURNITURE_HEADING = re.compile(
    r"^(?:trending|latest(?: news)?|opinion|blogs?|interviews?|related|more from|"
    r"recommended|most (?:read|popular)|read more|also read|top stories)\b",
    re.IGNORECASE,
)
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})


def clean_body(
    elements: Sequence[lxml_html.HtmlElement], drop_css: Sequence[str] = ()
) -> str | None:
    """The selected elements' HTML with furniture removed; None when no text is left."""
    parts = []
    for element in _outermost(elements):
        own = copy.deepcopy(element)
        own.tail = None
        for css in drop_css:
            _drop(select(own, css))
        _drop(_furniture(own))
        if squash_text(own):
            parts.append(lxml_html.tostring(own, encoding="unicode"))
    return "".join(parts) or None


def article_body(doc: lxml_html.HtmlElement, drop_css: Sequence[str] = ()) -> str | None:
    """The body a page marks up itself: itemprop=articleBody, else its <article> element."""
    for xpath in ("//*[@itemprop='articleBody']", "//article"):
        found = doc.xpath(xpath)
        if found:
            return clean_body(found[:1], drop_css)
    return None


def select(root: lxml_html.HtmlElement, css: str) -> list[lxml_html.HtmlElement]:
    """Elements under root matching a CSS selector, in document order."""
    found = CSSSelector(css)(root)
    if not isinstance(found, list):
        return []
    return [e for e in found if isinstance(e, lxml_html.HtmlElement)]


def squash_text(element: lxml_html.HtmlElement) -> str:
    """An element's visible text, whitespace squashed."""
    return " ".join(element.text_content().split())


def _outermost(elements: Sequence[lxml_html.HtmlElement]) -> list[lxml_html.HtmlElement]:
    """Selected elements without those inside another selected one (no text twice)."""
    chosen = set(elements)
    return [e for e in elements if not any(a in chosen for a in e.iterancestors())]


def _furniture(root: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """Descendants of root that are page furniture, found before any is removed."""
    found = []
    for element in root.iterdescendants():
        # Comments and processing instructions have no string tag; they go too.
        if not isinstance(element.tag, str) or _is_furniture(element):
            found.append(element)
        elif element.tag in _HEADINGS and _FURNITURE_HEADING.match(squash_text(element)):
            found.append(element)
            # The heading's list of links follows it; the heading alone would leave it behind.
            following = element.getnext()
            if following is not None and following.tag in ("ul", "ol", "div", "section"):
                found.append(following)
    return found


def _is_furniture(element: lxml_html.HtmlElement) -> bool:
    """True for tags, roles and class/id names that mark page furniture."""
    if element.tag == "noscript" and element.find(".//img") is not None:
        return False  # a lazy-loaded photo's real <img>: normalization promotes it
    if element.tag in _DROP_TAGS:
        return True
    if (element.get("role") or "").strip().lower() in _DROP_ROLES:
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return _FURNITURE.search(names) is not None


def _drop(elements: Sequence[etree._Element]) -> None:
    """Remove elements, keeping the text that follows each (its tail)."""
    for element in elements:
        parent = element.getparent()
        if parent is None:
            continue
        if isinstance(element, lxml_html.HtmlElement) and isinstance(element.tag, str):
            element.drop_tree()
        else:
            _keep_tail(element)
            parent.remove(element)


def _keep_tail(element: etree._Element) -> None:
    """Move a node's tail text onto its previous sibling or parent before removing it."""
    if not element.tail:
        return
    previous = element.getprevious()
    parent = element.getparent()
    if previous is not None:
        previous.tail = (previous.tail or "") + element.tail
    elif parent is not None:
        parent.text = (parent.text or "") + element.tail
