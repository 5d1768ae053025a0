"""The `files` kind: articles a CMS exports as JSON files into a drop folder.

Drop-folder format
------------------
`source.url` is the folder's path. Each file holds CMS export objects:

- `*.json`: one object, or a list of objects;
- `*.ndjson`: one object per non-blank line.

Files are read in name order (so a later export of the same `id` is an update, unless it
is dated before the stored version: feeds/intake/versions.py) and only once they have
settled: names starting with `.` or ending in `.tmp`/`.part` are still being written (a
CMS should write there, then rename), and a file modified within
`options["settle_seconds"]` (default 2) seconds is skipped until the next poll.

Each object (UTF-8; every field optional except that an object needs a `title` or a
`url`; unknown fields are ignored and named in the poll's warning, as the push API names
them in its answer)::

    {"id": "cms-1001",                        # stable upstream id (text or number)
     "url": "https://news.example.com/...",   # canonical article URL
     "title": "AT&amp;T …",                   # may contain HTML and entities
     "summary": "plain text",
     "content_html": "<p>…</p>",              # relative links resolve against `url`
     "authors": ["Name", …],                  # or one string, or [{"name": …}]
     "section": "Tech",                       # a slug or an alias, as the CMS labels it
     "countries": ["IN", "United States"],    # codes or names, as the CMS has them
     "tags": ["…"],
     "published": "2026-03-01T09:15:00+05:30",  # text as found; a naive or "IST" time
     "updated": "28-02-2026 10:27 IST",         #   is resolved in the source timezone
     "image": {"url": "/img/x.jpg", "caption": "…", "credit": "…",
               "width": 1200, "height": 675},  # or just the URL as a string
     "language": "en",
     "status": "published"}

A file that cannot be read (bad JSON or UTF-8, an object without title and url, a
field of the wrong type, absurd nesting) fails as a whole: a person should look at it.

Hand-off: `collect` never moves files, because moving a file before the archive has
committed its items would lose them on a crash. It returns the items, `memo`
{file name: sha256} of the files it read (a file the `fetch.max_entries` cap fell in is
marked as taken in part, see sources/kinds/drop_progress.py) and one `notes` entry
"failed:<file name>:<reason>" per bad file. After committing, the scheduler calls the
kind's `after_commit` hook, that is `settle(source, collected.memo, failures(collected))`,
which moves files taken whole to `done/` and bad ones to `failed/` (with
`failed/<name>.error.txt` saying why); a file taken in part stays, and the next poll
resumes after its stored items. Items do not carry their file name: one poll is committed
as a whole, so all its files settle together. A crash between commit and settle re-reads
the files; upserts by id make that harmless.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from sources.errors import BadFile, SourceError
from sources.kinds import drop_progress, options
from sources.kinds.base import CollectContext, Collected
from sources.kinds.records import read_export
from sources.model.raw import RawItem
from sources.model.spec import SourceSpec
from sources.model.state import SourceState

DONE_DIR = "done"
FAILED_DIR = "failed"
_SUFFIXES = (".json", ".ndjson")
_WRITING = (".tmp", ".part")
_FAILED_PREFIX = "failed:"


def collect(source: SourceSpec, state: SourceState, ctx: CollectContext) -> Collected:
    """Read settled files into at most `max_entries` raw items; move nothing.

    Files are taken whole while they fit; the one the cap falls in is taken in part and
    the rest waits for the next poll (sources/kinds/drop_progress.py), so no item is skipped.
    """
    folder = _folder(source)
    settle_seconds = options.settle_seconds(source)
    items: list[RawItem] = []
    memo: dict[str, str] = {}
    notes: list[str] = []
    ignored: list[str] = []
    for path in _ready_files(folder, settle_seconds):
        room = ctx.fetch.max_entries - len(items)
        if room <= 0:
            break  # the cap: later files are read by the next poll
        try:
            data = _read(path, ctx.fetch.max_bytes)
            digest = hashlib.sha256(data).hexdigest()
            found = read_export(source.id, path.name, data)
        except BadFile as exc:
            notes.append(f"{_FAILED_PREFIX}{path.name}:{exc}")
            continue
        start = drop_progress.resume_at(state.memo, path.name, digest)
        taken = found.items[start : start + room]
        items.extend(taken)
        ignored += [f"{path.name} {where}" for where in found.ignored]
        upto = start + len(taken)
        whole = upto >= len(found.items)
        memo[path.name] = digest if whole else drop_progress.part_taken(digest, upto)
    return Collected(
        items=tuple(items),
        memo=MappingProxyType(memo),
        notes=tuple(notes),
        warning=_ignored_warning(ignored),
    )


def _ignored_warning(ignored: list[str], shown: int = 5) -> str | None:
    """The poll's warning naming the unknown fields it ignored (the first few places)."""
    if not ignored:
        return None
    more = f"; and {len(ignored) - shown} more" if len(ignored) > shown else ""
    return "unknown fields ignored: " + "; ".join(ignored[:shown]) + more


def seed(source: SourceSpec) -> None:
    """On first run, copy the bundled samples (`options.seed`) into the drop folder, once."""
    sample = options.seed(source)
    if isinstance(sample, str) and not Path(source.url).exists():
        shutil.copytree(sample, source.url)


def local_problem(source: SourceSpec) -> tuple[str, object, str] | None:
    """The drop folder must exist, unless its seed will make it on first run."""
    folder, sample = Path(source.url), source.options.get("seed")
    if isinstance(sample, str) and not folder.exists():
        return None if Path(sample).is_dir() else ("seed", sample, "is not a folder")
    if not folder.is_dir():
        return ("url", source.url, "is not a folder (the drop folder must exist)")
    return None


def after_commit(source: SourceSpec, collected: Collected) -> None:
    """Once a poll is committed: settle the files it consumed or could not read."""
    if collected.memo is not None:
        settle(source, collected.memo, failures(collected))


def failures(collected: Collected) -> dict[str, str]:
    """The {file name: reason} of the files a poll could not read, from its notes."""
    found: dict[str, str] = {}
    for note in collected.notes:
        if note.startswith(_FAILED_PREFIX):
            name, _, reason = note[len(_FAILED_PREFIX) :].partition(":")
            found[name] = reason
    return found


def settle(source: SourceSpec, consumed: Mapping[str, str], failed: Mapping[str, str]) -> None:
    """After a commit: move files taken whole to done/ and bad ones to failed/ with the reason."""
    folder = _folder(source)
    for name, digest in consumed.items():
        if not drop_progress.is_whole(digest):
            continue  # taken in part: the rest of it is the next poll's
        path = folder / name
        # A file rewritten since it was read holds content nobody committed: keep it.
        if _digest_or_none(path) == digest:
            _move(path, folder / DONE_DIR)
    for name, reason in failed.items():
        path = folder / name
        if path.is_file():
            target = _move(path, folder / FAILED_DIR)
            target.with_name(name + ".error.txt").write_text(reason + "\n", encoding="utf-8")


def _folder(source: SourceSpec) -> Path:
    """The drop folder, which must exist."""
    folder = Path(source.url)
    if not folder.is_dir():
        raise SourceError(f"source {source.id}: drop folder {folder} does not exist")
    return folder


def _ready_files(folder: Path, settle_seconds: float) -> list[Path]:
    """Drop files that are complete: right suffix, not a temporary name, settled."""
    # The wall clock, not ctx.now: mtimes are stamped by the filesystem's clock, and the
    # injected `now` may be a scheduled tick or a fixed test time, so mixing them is wrong.
    cutoff = time.time() - settle_seconds
    ready = []
    for path in sorted(folder.iterdir()):
        name = path.name
        if name.startswith(".") or name.endswith(_WRITING) or not name.endswith(_SUFFIXES):
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:  # renamed away between listing and stat
            continue
        if path.is_file() and stat.st_mtime <= cutoff:
            ready.append(path)
    return ready


def _read(path: Path, max_bytes: int) -> bytes:
    """A file's bytes, refused past max_bytes."""
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise BadFile(f"could not read the file: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise BadFile(f"larger than max_bytes ({max_bytes} bytes)")
    return data


def _digest_or_none(path: Path) -> str | None:
    """The sha256 of a file, or None when it is gone."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _move(path: Path, into: Path) -> Path:
    """Move a file into a folder (replacing an older file of that name); return the target."""
    into.mkdir(exist_ok=True)
    target = into / path.name
    os.replace(path, target)
    return target
