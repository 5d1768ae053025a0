"""Plain text for titles, summaries and names: no tags, no entities, no unsafe characters."""

from __future__ import annotations

import html
import re

# XML 1.0 §2.2 Char: C0 controls other than tab/newline/return, lone surrogates and
# U+FFFE/U+FFFF may not appear in a document, escaped or not.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Bidi embedding/override/isolate controls and zero-width characters: invisible, and a
# classic way to disguise text (Unicode TR #36 §2.3 "bidirectional text spoofing").
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_WHITESPACE = re.compile(r"\s+")
_DROP_BLOCKS = re.compile(
    r"<(script|style|noscript|template)\b[^>]*>.*?(?:</\1\s*>|$)|<!--.*?(?:-->|$)",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>?|<![^>]*>|<\?[^>]*>")
_TAG_SHAPED = re.compile(r"</?[A-Za-z!][^<>]*>")
_BREAK_TAGS = re.compile(r"<(?:br|/p|/div|/li|/h[1-6]|/tr|hr)\b[^>]*>", re.IGNORECASE)
_ESCAPED_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
# UTF-8 bytes read as Latin-1/cp1252 ("â€¦" for "…"): a lead byte C2-F4 followed by a
# continuation byte shown as U+0080-U+00BF or its cp1252 glyph.
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152-\u0192\u02c6-\u2122]")
ELLIPSIS = "…"


def xml_safe(text: str) -> str:
    """Remove characters that XML 1.0 forbids and invisible bidi/zero-width controls."""
    return _INVISIBLE.sub("", _XML_ILLEGAL.sub("", text))


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Latin-1 or cp1252 once; otherwise unchanged."""
    if not _MOJIBAKE.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return text


def strip_tags(markup: str) -> str:
    """Drop tags, comments and script/style bodies, keeping line breaks as spaces."""
    markup = _DROP_BLOCKS.sub(" ", markup)
    markup = _BREAK_TAGS.sub(" ", markup)
    return _TAG.sub("", markup)


def decode_entities(text: str, *, is_html: bool = True) -> str:
    """Decode HTML entities once, and a second time for double-escaped text (&amp;amp;)."""
    decoded = html.unescape(text)
    # "&amp;amp;" / "&amp;lt;b&amp;gt;": the publisher escaped twice; one more pass gives
    # what they meant. Only when an escaped entity remains, so "&lt;" in prose survives.
    if _ESCAPED_ENTITY.search(decoded) and "&amp;" in text:
        decoded = html.unescape(decoded)
        if is_html:
            decoded = strip_tags(decoded)
    return decoded


def truncate(text: str, max_len: int) -> str:
    """Bound text to max_len characters, cutting at a word boundary and adding "…"."""
    if len(text) <= max_len:
        return text
    if max_len <= 1:
        return ELLIPSIS[:max_len]
    cut = text[: max_len - 1]
    space = cut.rfind(" ")
    # Prefer the last whole word unless that would throw away most of the budget
    # (one very long "word", e.g. a URL or CJK text without spaces).
    between_words = text[max_len - 1].isspace()
    if not between_words and space >= (max_len - 1) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + ELLIPSIS


def plain_text(html_or_text: str, max_len: int, *, is_html: bool = True) -> str:
    """Turn an HTML fragment (or literal text when is_html is False) into bounded plain text."""
    text = xml_safe(html_or_text)
    if is_html:
        text = decode_entities(strip_tags(text))
    # Readers strip or render tag-shaped text in titles whatever the declared type
    # (consumers.md A4.20): an escaped "<script>" or a double-escaped "<img onerror>" must
    # not come out of any plain-text field as markup.
    # Until nothing changes: "<scr<script>ipt>" would otherwise rejoin into "<script>"
    while (stripped := _TAG_SHAPED.sub("", text)) != text:
        text = stripped
    text = repair_mojibake(text)
    # Entities can decode to forbidden characters (&#1;, &#xFEFF;): clean again.
    text = _WHITESPACE.sub(" ", xml_safe(text)).strip()
    return truncate(text, max_len)


def xml_legal(text: str) -> str:
    """Remove only the characters XML 1.0 forbids (markup keeps ZWJ/ZWNJ, which scripts need)."""
    return _XML_ILLEGAL.sub("", text)
