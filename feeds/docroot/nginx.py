"""The nginx configuration for a docroot: the same headers as the Python server gives.

`newsfeeds nginx-config` prints it. nginx derives ETag and Last-Modified from the files
(hex mtime - hex size; the mtime is the change time, feeds/docroot/mirror.py); this file
sets what nginx cannot know: media types (nginx's mime.types lacks application/feed+json),
Cache-Control, the WebSub Link header, nosniff, the moved and gone paths, and which paths
the Python process answers itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from feeds.catalog import MEDIA_TYPES
from feeds.docroot.files import TEMP_FOLDER

PAGE_TYPES = {
    "/": ("text/html; charset=utf-8", "public, max-age=60"),
    "/feeds.opml": ("text/x-opml; charset=utf-8", "public, max-age=60"),
    "/feeds/style.xsl": ("text/xsl; charset=utf-8", "public, max-age=86400"),
}
# answered by the Python process: the push API, status pages, metrics, liveness, partner
# feeds, and the feed previews (built from the stored documents on request, never files)
PROXIED = ("/api/", "/status", "= /metrics", "= /healthz", "/partners/", "~ ^/feeds/.+\\.html$")
SITEMAP_TYPE = "application/xml; charset=utf-8"  # feeds/render/newsmap.py


@dataclass(frozen=True, slots=True)
class NginxSite:
    """Everything the server block says, as plain values."""

    root: Path
    base_url: str
    feed_cache_control: str
    history_cache_control: str
    upstream: str = "127.0.0.1:8080"
    listen: str = "80"
    server_name: str = "_"
    brotli: bool = False
    hubs: tuple[str, ...] = ()
    redirects: Mapping[str, str] = field(default_factory=dict)
    retired: Sequence[str] = ()


def render(site: NginxSite) -> str:
    """The maps and the server block, for an `include` inside nginx's `http {}`."""
    lines = [
        "# made by `newsfeeds nginx-config`; make it again after changing config.toml",
        "# (redirects, sections, [websub] hubs, cache lifetimes) and reload nginx.",
        *_maps(site),
        "upstream newsfeeds_app {",
        f"    server {site.upstream};",
        "    keepalive 16;",
        "}",
        "server {",
        *_indent(_server(site)),
        "}",
    ]
    return "\n".join(lines) + "\n"


def _server(site: NginxSite) -> list[str]:
    lines = [
        f"listen {site.listen};",
        f"server_name {site.server_name};",
        f"root {_quoted(str(site.root))};",
        "index index.html;",
        # no open_file_cache: it would go on serving the inode a rename replaced
        "etag on;",
        "if_modified_since before;",
        "absolute_redirect off;  # Location as the Python server sends it: a path",
        "charset off;",
        "gzip off;  # never compress per request: the .gz files are made once",
        "gzip_static on;",
        "gzip_vary on;",
        *(["brotli_static on;"] if site.brotli else []),
        "server_tokens off;",
        "if ($newsfeeds_gone) { return 410; }",
        "if ($newsfeeds_moved) { return 301 $newsfeeds_moved; }",
        f"location ^~ /{TEMP_FOLDER}/ {{ return 404; }}",
    ]
    lines += _location("~ ^/feeds/.+/archive/[0-9]+\\.", site, site.history_cache_control)
    lines += _location("~ ^/feeds/.+\\.", site, site.feed_cache_control)
    lines += _location("~ ^/sitemaps/.+\\.", site, site.feed_cache_control, {"xml": SITEMAP_TYPE})
    for path, (media_type, cache_control) in PAGE_TYPES.items():
        lines += _page(path, media_type, cache_control)
    lines += ["location / { return 404; }"]
    for prefix in PROXIED:
        lines += _proxied(prefix)
    return lines


def _location(
    pattern: str,
    site: NginxSite,
    cache_control: str,
    types: Mapping[str, str] = MEDIA_TYPES,
) -> list[str]:
    """One location per format (file extension): its media type and the feed headers."""
    links = [f'<{hub}>; rel="hub"' for hub in site.hubs]
    links.append(f'<{site.base_url}$uri>; rel="self"')
    out = []
    for fmt, media_type in types.items():
        out += [
            f"location {pattern}{fmt}$ {{",
            "    types { }",
            f"    default_type {_quoted(media_type)};",
            f"    add_header Cache-Control {_quoted(cache_control)};",
            f"    add_header Link {_quoted(', '.join(links))};",
            "    add_header X-Content-Type-Options nosniff;",
            "    add_header Surrogate-Key $newsfeeds_keys;",
            "    add_header Cache-Tag $newsfeeds_tags;",
            "}",  # no try_files: its stat would come on top of the static module's open
        ]
    return out


def _page(path: str, media_type: str, cache_control: str) -> list[str]:
    target = "/index.html" if path == "/" else path
    return [
        f"location = {path} {{",
        "    types { }",
        f"    default_type {_quoted(media_type)};",
        f"    add_header Cache-Control {_quoted(cache_control)};",
        "    add_header X-Content-Type-Options nosniff;",
        f"    try_files {target} =404;",
        "}",
        *(["location = /index.html { return 404; }"] if path == "/" else []),
    ]


def _proxied(prefix: str) -> list[str]:
    return [
        f"location {prefix} {{",
        "    proxy_pass http://newsfeeds_app;",
        "    proxy_http_version 1.1;",
        '    proxy_set_header Connection "";',
        "    proxy_set_header Host $host;",
        # replaced, never appended: the Python process trusts it from 127.0.0.1 only,
        # and its loopback-only status pages must see the real client
        "    proxy_set_header X-Forwarded-For $remote_addr;",
        "    proxy_set_header X-Forwarded-Proto $scheme;",
        "}",
    ]


def _maps(site: NginxSite) -> list[str]:
    """$newsfeeds_moved (301 target) and $newsfeeds_gone (410): the redirects and the
    retired documents; a file deleted from the docroot alone would give 404."""
    moved, gone = ['    default "";'], ["    default 0;"]
    for src, dst in sorted(site.redirects.items()):
        exact, stem = _quoted(src), _quoted(f"~^{re.escape(src)}(?<newsfeeds_rest>[./].*)$")
        if dst:  # a stem rule covers every format, country and page below it
            moved += [
                f"    {exact} {_quoted(dst)};",
                f"    {stem} {_quoted(dst + '$newsfeeds_rest')};",
            ]
        else:
            gone += [f"    {exact} 1;", f"    {_quoted(f'~^{re.escape(src)}[./]')} 1;"]
    gone += [f"    {_quoted(path)} 1;" for path in sorted(site.retired)]
    return [
        *_key_maps(),
        "map $uri $newsfeeds_moved {",
        *moved,
        "}",
        "map $uri $newsfeeds_gone {",
        *gone,
        "}",
    ]


# feeds.catalog.surrogate_keys as regexes: a combo before its section; history pages too
_KEY_RULES = (
    ("~^/feeds/latest[./]", ("feed-latest",)),
    (
        "~^/feeds/section/(?<nk_s>[a-z0-9-]+)/(?<nk_c>[a-z]{2})[./]",
        ("feed-section-$nk_s-$nk_c", "section-$nk_s", "country-$nk_c"),
    ),
    ("~^/feeds/section/(?<nk_s>[a-z0-9-]+)[./]", ("feed-section-$nk_s", "section-$nk_s")),
    ("~^/feeds/country/(?<nk_c>[a-z]{2})[./]", ("feed-country-$nk_c", "country-$nk_c")),
)


def _key_maps() -> list[str]:
    """$newsfeeds_keys (Surrogate-Key, space-separated) and $newsfeeds_tags (Cache-Tag)."""
    out = []
    for name, sep in (("keys", " "), ("tags", ",")):
        out.append(f"map $uri $newsfeeds_{name} {{")
        out.append('    default "";')
        out += [f"    {_quoted(rule)} {_quoted(sep.join(keys))};" for rule, keys in _KEY_RULES]
        out.append("}")
    return out


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def _quoted(value: str) -> str:
    """An nginx string: double quotes, with quotes and backslashes escaped."""
    if any(c in value for c in "\n\r"):
        raise ValueError(f"not allowed in an nginx string: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
