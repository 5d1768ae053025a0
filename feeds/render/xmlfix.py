"""feedgen extensions that fix its known output bugs and add what it cannot write."""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
MEDIA = "http://search.yahoo.com/mrss/"
AT = "http://purl.org/atompub/tombstones/1.0"
FH = "http://purl.org/syndication/history/1.0"

Link = tuple[str, str]  # (rel, absolute href)


class RssChannelFix(BaseExtension):  # type: ignore[misc]
    """Channel link = home page, hub and RFC 5005 links, our date format, fh:archive."""

    def __init__(self) -> None:
        self.home = ""
        self.last_build = ""
        self.links: list[Link] = []
        self.is_archive = False

    def extend_ns(self) -> dict[str, str]:
        """Declare dc and media always, fh only on history pages."""
        ns = {"dc": DC, "media": MEDIA}
        if self.is_archive:
            ns["fh"] = FH
        return ns

    def extend_rss(self, rss: Any) -> Any:
        """Fix the channel in place; feedgen calls this before it appends items."""
        channel = rss.find("channel")
        # feedgen 1.0.0 uses whichever link was added last as the channel <link>.
        channel.find("link").text = self.home
        channel.find("lastBuildDate").text = self.last_build
        anchor = channel.index(channel.find(f"{{{ATOM}}}link")) + 1
        for offset, (rel, href) in enumerate(self.links):
            link = etree.Element(f"{{{ATOM}}}link", href=href, rel=rel)
            channel.insert(anchor + offset, link)
        if self.is_archive:
            # RFC 5005 §4: an archive document says so with fh:archive.
            etree.SubElement(channel, f"{{{FH}}}archive")
        return rss


class RssItemExtras(BaseEntryExtension):  # type: ignore[misc]
    """pubDate in +0000 form, dc:creator and media:content for one item."""

    def __init__(self) -> None:
        self.pub_date = ""
        self.creator = ""
        self.media: dict[str, str] = {}
        self.credit: str | None = None
        self.caption: str | None = None

    def extend_rss(self, item: Any) -> Any:
        """Append the extra elements to the item feedgen built."""
        etree.SubElement(item, "pubDate").text = self.pub_date
        if self.creator:
            # RSS Profile §5.3.1: a name goes in dc:creator; <author> must be an e-mail.
            etree.SubElement(item, f"{{{DC}}}creator").text = self.creator
        if self.media:
            content = etree.SubElement(item, f"{{{MEDIA}}}content", self.media)
            if self.credit:
                etree.SubElement(content, f"{{{MEDIA}}}credit").text = self.credit
            if self.caption:
                desc = etree.SubElement(content, f"{{{MEDIA}}}description", type="plain")
                desc.text = self.caption
        return item

    def extend_atom(self, entry: Any) -> Any:
        """Not registered for Atom."""
        return entry


class AtomFeedFix(BaseExtension):  # type: ignore[misc]
    """Feed updated with Z, RFC 6721 tombstones and fh:archive."""

    def __init__(self) -> None:
        self.updated = ""
        self.tombstones: list[tuple[str, str, str | None]] = []  # (ref, when, url)
        self.is_archive = False

    def extend_ns(self) -> dict[str, str]:
        """Declare at and fh only when the document uses them."""
        ns = {}
        if self.tombstones:
            ns["at"] = AT
        if self.is_archive:
            ns["fh"] = FH
        return ns

    def extend_atom(self, feed: Any) -> Any:
        """Fix the feed element; feedgen calls this before it appends entries."""
        feed.find("updated").text = self.updated
        if self.is_archive:
            etree.SubElement(feed, f"{{{FH}}}archive")
        for ref, when, url in self.tombstones:
            gone = etree.SubElement(feed, f"{{{AT}}}deleted-entry", ref=ref, when=when)
            if url:
                # feedgen's elements carry no namespace and inherit the root's default one.
                etree.SubElement(gone, "link", rel="alternate", href=url)
        return feed


class AtomEntryFix(BaseEntryExtension):  # type: ignore[misc]
    """Rewrites entry links with rel/type/length and dates with Z."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []
        self.updated = ""
        self.published = ""

    def extend_atom(self, entry: Any) -> Any:
        """Replace feedgen's entry links, which lose rel, type and length (#135, #143)."""
        broken = entry.findall("link")
        at = entry.index(broken[0]) if broken else len(entry)
        for link in broken:
            entry.remove(link)
        for offset, data in enumerate(self.links):
            link = etree.Element("link", {k: data[k] for k in _LINK_ATTRS if data.get(k)})
            entry.insert(at + offset, link)
        entry.find("title").set("type", "text")
        entry.find("updated").text = self.updated
        entry.find("published").text = self.published
        return entry

    def extend_rss(self, item: Any) -> Any:
        """Not registered for RSS."""
        return item


_LINK_ATTRS = ("rel", "href", "type", "length")
