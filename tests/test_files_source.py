"""The drop-folder source: settled files in, items out, files settled only after a commit."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

import pytest

from sources.errors import SourceError
from sources.kinds import files
from sources.kinds.base import CollectContext, Collected
from sources.model.raw import RawImage
from sources.model.spec import FetchSettings, SourceSpec
from sources.model.state import SourceState

FIXTURES = Path(__file__).parent / "fixtures" / "files"
SAMPLES = Path(__file__).parent.parent / "samples" / "drop"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
OLD = time.time() - 3600


def spec(folder: Path, **options: object) -> SourceSpec:
    """A files source on `folder`, with the drop's timezone."""
    return SourceSpec(
        id="cms-drop",
        kind="files",
        url=str(folder),
        interval_seconds=60,
        section="world",
        timezone="Asia/Kolkata",
        options=MappingProxyType(options),
    )


def run(source: SourceSpec) -> Collected:
    """One poll with a fresh state."""
    ctx = CollectContext(now=NOW, fetch=FetchSettings(max_entries=100))
    return files.collect(source, SourceState(source.id, source.url), ctx)


def drop(folder: Path, *names: str, settled: bool = True) -> None:
    """Copy fixture files into the drop folder, aged past the settle time when `settled`."""
    for name in names:
        target = folder / name
        shutil.copyfile(FIXTURES / name, target)
        if settled:
            os.utime(target, (OLD, OLD))


def test_good_file_gives_fields_as_found(tmp_path: Path) -> None:
    drop(tmp_path, "good-article.json")
    collected = run(spec(tmp_path))
    (item,) = collected.items
    url = "https://news.example.com/india/2026/02/28/port-blair-airport"
    assert item.source_id == "cms-drop"
    assert item.upstream_id == "cms-2001"
    assert item.url == url
    assert item.title == "<b>Breaking</b>: Port Blair airport &amp; terminal reopen"
    assert item.title_is_html
    assert item.summary == "Flights resumed after a two-day closure."
    assert (
        item.content is not None and 'href="/india/2026/02/26/port-blair-closure"' in item.content
    )
    assert item.content_base == url and item.base_url == url
    assert item.authors == ("Anil Menon", "News Desk")
    assert item.section == "India"
    assert item.countries == ("IN", "United States")
    assert item.categories == ("Aviation",)
    assert item.published == "28-02-2026 10:27 IST"
    assert item.updated == "28-02-2026 11:05 IST"
    assert item.images == (
        RawImage(
            url="/img/2026/02/port-blair.jpg",
            width="1200",
            height="675",
            caption="The terminal building.",
            credit="ANI",
        ),
    )
    assert item.language == "en" and item.status == "published"
    digest = hashlib.sha256((FIXTURES / "good-article.json").read_bytes()).hexdigest()
    assert collected.memo == {"good-article.json": digest}
    assert collected.notes == ()


def test_ndjson_and_list_files(tmp_path: Path) -> None:
    drop(tmp_path, "batch.ndjson", "list.json")
    items = run(spec(tmp_path)).items
    assert [i.upstream_id for i in items] == ["2002", "cms-2003", "cms-2004", "cms-2005"]
    assert items[0].countries == ("FR",)
    assert items[1].url is None and items[1].section == "Op-Ed"
    assert items[1].images == (RawImage(url="https://news.example.com/img/b.jpg"),)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bad-syntax.json", "invalid JSON"),
        ("no-title-no-url.json", "needs a title or a url"),
        ("deep-nesting.json", "nested more than"),
        ("wrong-type.json", "title should be text, got an object"),
    ],
)
def test_bad_file_moves_to_failed_with_reason(tmp_path: Path, name: str, reason: str) -> None:
    drop(tmp_path, name, "list.json")
    source = spec(tmp_path)
    collected = run(source)
    assert len(collected.items) == 2  # the good file beside it still counts
    failed = files.failures(collected)
    assert list(failed) == [name] and reason in failed[name]
    assert collected.memo is not None and name not in collected.memo

    assert (tmp_path / name).exists()  # nothing moves before the caller has committed
    files.settle(source, collected.memo, failed)
    assert not (tmp_path / name).exists()
    assert (tmp_path / "failed" / name).read_bytes() == (FIXTURES / name).read_bytes()
    assert reason in (tmp_path / "failed" / f"{name}.error.txt").read_text(encoding="utf-8")
    assert (tmp_path / "done" / "list.json").exists()
    assert run(source).items == ()


def test_half_written_file_waits_until_complete(tmp_path: Path) -> None:
    source = spec(tmp_path, settle_seconds=30)
    drop(tmp_path, "half-written.json", settled=False)
    first = run(source)
    assert first.items == () and first.notes == () and first.memo == {}

    path = tmp_path / "half-written.json"
    with path.open("a", encoding="utf-8") as handle:
        handle.write('ing written"}\n')
    os.utime(path, (OLD, OLD))
    (item,) = run(source).items
    assert item.title == "Still being written"


def test_temporary_names_are_never_read(tmp_path: Path) -> None:
    for name in ("export.json.tmp", "export.json.part", ".export.json", "notes.txt"):
        shutil.copyfile(FIXTURES / "list.json", tmp_path / name)
        os.utime(tmp_path / name, (OLD, OLD))
    collected = run(spec(tmp_path))
    assert collected.items == () and collected.notes == ()


def test_file_rewritten_after_read_is_not_settled(tmp_path: Path) -> None:
    drop(tmp_path, "list.json")
    source = spec(tmp_path)
    collected = run(source)
    assert collected.memo is not None
    (tmp_path / "list.json").write_text('[{"title": "newer export"}]', encoding="utf-8")
    files.settle(source, collected.memo, {})
    assert (tmp_path / "list.json").exists() and not (tmp_path / "done" / "list.json").exists()


def test_bundled_samples_read_cleanly_in_name_order(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES, tmp_path / "drop")
    for path in (tmp_path / "drop").iterdir():
        os.utime(path, (OLD, OLD))
    collected = run(spec(tmp_path / "drop"))
    assert collected.notes == ()
    assert len(collected.items) == 18
    updates = [i for i in collected.items if i.upstream_id == "cms-1004"]
    assert [u.updated for u in updates] == [
        "2026-03-02T08:00:00+05:30",
        "2026-03-04T16:45:00+05:30",
    ]
    assert updates[0].title != updates[1].title


def test_missing_folder_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        run(spec(tmp_path / "nowhere"))
