"""Canonical URLs: absolute, lower-case host, no default port, fragment or tracking noise."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from sources.normalize.text import xml_safe

WEB_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Campaign and click identifiers: they name the visit, not the document, so two links that
# differ only by them are the same article.
_TRACKING = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "cmpid",
        "ncid",
        "ocid",
        "sr_share",
        "mkt_tok",
        "_hsenc",
        "_hsmi",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt.mc_id",
        "s_cid",
        "at_medium",
        "at_campaign",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
# RFC 3986 §2.2/§2.3: reserved and unreserved characters stay as they are; "%" too, so an
# existing escape is not escaped twice. Everything else (spaces, non-ASCII) is encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = "/?:@!$'()*+,;=-._~%"
_SPACE = re.compile(r"[\t\n\r]")  # WHATWG URL: tab and newline are removed


def canonical_url(url: str, base: str | None = None) -> str:
    """Absolute canonical form of url; raises ValueError when it cannot be a URL at all."""
    url = _SPACE.sub("", xml_safe(url)).strip()
    if base:
        url = urljoin(_SPACE.sub("", xml_safe(base)).strip(), url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        return url
    if not parts.hostname:
        raise ValueError(f"URL has no host: {url!r}")
    netloc = _netloc(scheme, parts.hostname, parts.port, parts.username, parts.password)
    path = quote(parts.path, safe=_PATH_SAFE) or "/"
    return urlunsplit((scheme, netloc, path, _clean_query(parts.query), ""))


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.netloc)


def host_of(url: str) -> str:
    """Lower-case host of a URL, or "" when it has none."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _netloc(
    scheme: str, host: str, port: int | None, user: str | None, password: str | None
) -> str:
    """Rebuild the authority: IDNA host (RFC 5891), default port dropped."""
    host = host.rstrip(".").lower()
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = quote(host, safe="-._~!$&'()*+,;=:[]")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal (RFC 3986 §3.2.2)
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    if user:
        userinfo = quote(user, safe="%") + (f":{quote(password, safe='%')}" if password else "")
        host = f"{userinfo}@{host}"
    return host


def _clean_query(query: str) -> str:
    """Drop tracking parameters, keep the others in their order and spelling."""
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        key = unquote(pair.split("=", 1)[0]).lower()
        if key in _TRACKING or key.startswith(_TRACKING_PREFIXES):
            continue
        kept.append(quote(pair, safe=_QUERY_SAFE + "&="))
    return "&".join(kept)
