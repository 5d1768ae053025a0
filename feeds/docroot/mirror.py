"""Keep a docroot in step with the archive: every public document, following generations.

Every process with `[publish] docroot` runs one: after its own rebuilds (so nginx serves a
change as soon as the Python server does) and every second for other processes' work.
Since a document's change time is whole seconds and grows with every version, a file
whose mtime equals it is that version: a restart rewrites nothing, and two processes
mirroring one archive write the same bytes with the same mtime, so nginx gives the same
ETag and Last-Modified from either.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feeds.archive import documents as docs
from feeds.archive.engine import Store
from feeds.catalog import is_history_path
from feeds.docroot import files
from feeds.http import discovery, index_page
from feeds.http.paths import redirect_target
from feeds.site import Site

log = logging.getLogger(__name__)

PAGES = ("/", "/feeds.opml")
STYLESHEET = "/feeds/style.xsl"
# the stylesheet has no change time of its own; an mtime taken from its bytes is the
# same on every machine and moves when a release changes it (2000-01-01 + up to 8 years)
_STYLE_EPOCH = 946_684_800


@dataclass(slots=True)
class SyncReport:
    """What one pass over the archive changed in the docroot."""

    written: list[str]
    removed: list[str]


class Docroot:
    """The files of one docroot, mirroring one archive for one configuration."""

    def __init__(
        self,
        store: Store,
        site: Site,
        root: Path,
        *,
        is_current: Callable[[str], bool],
        redirects: Mapping[str, str],
        stylesheet: bytes,
    ) -> None:
        self.store, self.site, self.root = store, site, root
        self.is_current, self.redirects, self.stylesheet = is_current, redirects, stylesheet
        self.generation = 0
        self._pages_due = True  # the index and OPML list what changed since they were made
        self._style_written = False
        self._lock = threading.Lock()

    def is_public(self, path: str, feed: str) -> bool:
        """Does the Python server serve this document (not retired, not redirected)?"""
        return self.is_current(feed) and redirect_target(self.redirects, path) is None

    def sync(self, *, pages: bool = True) -> SyncReport:
        """Write what changed since the last pass, remove what is no longer served.

        `pages=False` leaves the index and OPML for the next full pass: right after a
        feed's rebuild only its documents are urgent, and listing every document to make
        the index would hold up the next feed's rebuild.
        """
        with self._lock:
            with self.store.read() as conn:
                latest = docs.latest_generation(conn)
                stamps = (
                    docs.stamps_since(conn, self.generation) if latest > self.generation else []
                )
            report = SyncReport([], [])
            first = self.generation == 0
            if first:
                self.root.mkdir(parents=True, exist_ok=True)
                files.clear_temp(self.root)
            folders: set[Path] = set()
            for path, feed, _generation, changed_at in stamps:
                self._one(path, feed, changed_at, report, folders)
            files.sync_folders(folders)  # once per folder, not per document
            if any(not is_history_path(p) for p in report.written + report.removed):
                self._pages_due = True
            if pages and self._pages_due:
                self._pages(report)
                self._pages_due = False
            self.generation = max([self.generation, latest, *(s[2] for s in stamps)])
            return report

    def _one(
        self, path: str, feed: str, changed_at: datetime, report: SyncReport, folders: set[Path]
    ) -> None:
        """Mirror one document: written unless already there, removed when not public."""
        if not self.is_public(path, feed):
            if files.remove(self.root, path):
                report.removed.append(path)
            return
        mtime = int(changed_at.timestamp())
        if files.mtime_of(files.file_of(self.root, path)) == mtime:
            return  # this very version is there (change times grow with every version)
        with self.store.read() as conn:
            doc = docs.get(conn, path)
        if doc is None:
            return
        mtime = int(doc.changed_at.timestamp())  # it may have changed again meanwhile
        if files.publish(self.root, path, doc.body, doc.gzip, doc.br, mtime, folders=folders):
            report.written.append(path)

    def _pages(self, report: SyncReport) -> None:
        """The index and OPML (their listing changed), and the stylesheet once."""
        listed = discovery.listed_feeds(self.store, self.is_current)
        newest = max((f.changed for f in listed), default=None)
        mtime = int(newest.timestamp()) if newest else 0
        bodies = {
            "/": index_page.index_html(
                self.site, listed, discovery.headlines(self.store, listed, index_page.HEADLINES)
            ).encode(),
            "/feeds.opml": discovery.opml(self.site, listed).encode(),
        }
        if not self._style_written:
            digest = int(hashlib.sha256(self.stylesheet).hexdigest()[:7], 16)
            self._write(STYLESHEET, self.stylesheet, _STYLE_EPOCH + digest, report)
            self._style_written = True
        for path, body in bodies.items():
            self._write(path, body, mtime, report)

    def _write(self, path: str, body: bytes, mtime: int, report: SyncReport) -> None:
        gz, br = files.compressed(body)
        # always written: a retired feed can take the newest change time out of a listing
        if files.publish(self.root, path, body, gz, br, mtime, only_newer=False):
            report.written.append(path)
