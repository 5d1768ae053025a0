"""An "old system" for adoption tests: a WordPress-shaped RSS feed and an Atom feed of 10 stories.

The RSS feed has guids like `https://old.example.com/?p=101` (isPermaLink="false") and is
paged WordPress-style (`?paged=2`, a 404 after the last page); the Atom feed has urn:uuid
ids and an RFC 5005 prev-archive link to its older half.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

STORIES = range(101, 111)  # ten story numbers, oldest first
PER_PAGE = 5
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def published(n: int) -> datetime:
    """When story n was published on the old system."""
    return START + timedelta(hours=n - 100)


def rss_guid(n: int) -> str:
    return f"https://old.example.com/?p={n}"


def atom_id(n: int) -> str:
    return f"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9{n:03d}"


def old_link(n: int) -> str:
    """The story's address on the old site (its slug changes on the new one)."""
    return f"http://old.example.com/2026/03/{n}/old-slug-{n}/"


def _pages(per_page: int = PER_PAGE) -> list[list[int]]:
    newest = sorted(STORIES, reverse=True)
    return [newest[i : i + per_page] for i in range(0, len(newest), per_page)]


def rss_page(page: int, per_page: int = PER_PAGE) -> str:
    """Page `page` (1 = newest) of the WordPress feed."""
    items = "".join(
        f"<item><title>Story {n}</title><link>{old_link(n)}</link>"
        f"<pubDate>{format_datetime(published(n))}</pubDate>"
        f'<guid isPermaLink="false">{rss_guid(n)}</guid>'
        f"<description>Old summary {n}.</description></item>"
        for n in _pages(per_page)[page - 1]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Old Times</title><link>https://old.example.com/</link>"
        f"<description>The old feed</description>{items}</channel></rss>"
    )


def atom_page(base: str, page: int, per_page: int = PER_PAGE) -> str:
    """The Atom feed (page 1) or its archive (page 2), linked by prev-archive."""
    entries = "".join(
        f"<entry><id>{atom_id(n)}</id><title>Story {n}</title>"
        f'<link rel="alternate" href="{old_link(n)}"/>'
        f'<link rel="shortlink" href="https://old.example.com/?p={n}"/>'
        f"<published>{published(n).isoformat()}</published>"
        f"<updated>{published(n).isoformat()}</updated></entry>"
        for n in _pages(per_page)[page - 1]
    )
    more = page < len(_pages(per_page))
    prev = f'<link rel="prev-archive" href="{base}/feed/atom/archive-2"/>' if more else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>urn:uuid:old-feed</id><title>Old Times</title>{prev}"
        f"<updated>{published(110).isoformat()}</updated>{entries}</feed>"
    )


def serve_old_system(server: HTTPServer, per_page: int = PER_PAGE) -> tuple[str, str]:
    """Serve both legacy feeds, `per_page` items a page; return (RSS URL, Atom URL)."""
    base = f"http://127.0.0.1:{server.port}"

    def wordpress(request: Request) -> Response:
        page = int(request.args.get("paged", "1"))
        if page > len(_pages(per_page)):
            return Response("Not Found", status=404)
        body = rss_page(page, per_page)
        return Response(body, content_type="application/rss+xml; charset=UTF-8")

    server.expect_request("/feed/").respond_with_handler(wordpress)
    for page in range(1, len(_pages(per_page)) + 1):
        path = "/feed/atom/" if page == 1 else f"/feed/atom/archive-{page}"
        server.expect_request(path).respond_with_data(
            atom_page(base, page, per_page), content_type="application/atom+xml"
        )
    return f"{base}/feed/", f"{base}/feed/atom/"
