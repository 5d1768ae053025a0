"""Drop-folder polls end to end: a poll consumes exactly what it committed (issue 17, 1 and 3).

Real files in tmp_path, `jobs.poll` into a real archive, articles counted in the archive.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

import sqlalchemy as sa

from feeds.archive.engine import Store
from feeds.archive.tables import articles
from feeds.catalog import ComboRule
from feeds.intake import IntakeRules
from scheduler import jobs
from sources.model.spec import FetchSettings, NormalizeSettings, SourceSpec

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
OLD = time.time() - 3600
RULES = IntakeRules(
    normalize=NormalizeSettings(
        authority="news.example.com", section_aliases=MappingProxyType({"world": ()})
    ),
    combos=ComboRule("none"),
)
# one article whose id and title hold a lone surrogate, as the JSON escape a CMS writes
SURROGATE_EXPORT = '{"id": "x\\ud800", "url": "https://news.example.com/s", "title": "a\\ud800"}'


def settings(max_entries: int = 500) -> jobs.PollSettings:
    """Poll settings with the given cap on items per poll."""
    return jobs.PollSettings(fetch=FetchSettings(max_entries=max_entries), rules=RULES, owner="t")


def source(folder: Path) -> SourceSpec:
    """A drop-folder source on `folder`."""
    return SourceSpec(
        id="drop", kind="files", url=str(folder), interval_seconds=60, section="world"
    )


def export(folder: Path, name: str, first: int, count: int) -> Path:
    """A settled export file of `count` articles numbered from `first`."""
    records = [
        {
            "id": f"cms-{n}",
            "url": f"https://news.example.com/world/{n}",
            "title": f"Story {n}",
            "published": "2026-03-10T08:00:00Z",
        }
        for n in range(first, first + count)
    ]
    return settled(folder / name, json.dumps(records))


def settled(path: Path, text: str) -> Path:
    """Write a drop file and age it past the settle time."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, (OLD, OLD))
    return path


def stored(store: Store) -> int:
    """How many articles the archive holds."""
    with store.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(articles)).scalar_one())


def poll(store: Store, folder: Path, max_entries: int = 500) -> jobs.PollOutcome:
    """One forced poll of the drop folder."""
    return jobs.poll(store, source(folder), settings(max_entries), lambda: NOW, force=True)


def test_two_files_over_the_cap_lose_nothing(store: Store, tmp_path: Path) -> None:
    """Issue 17, case 1: two files of 300 under a cap of 500 kept 500 of 600 on 7710bd8."""
    export(tmp_path, "a.json", 0, 300)
    export(tmp_path, "b.json", 300, 300)
    first = poll(store, tmp_path)
    in_place_after_first = sorted(p.name for p in tmp_path.glob("*.json"))
    second = poll(store, tmp_path)
    assert stored(store) == 600  # articles kept: 600 of 600
    assert (first.outcome, first.new) == ("ok", 500)
    assert in_place_after_first == ["b.json"]  # 100 of its articles were not stored yet
    assert (second.outcome, second.new, second.unchanged) == ("ok", 100, 0)
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["a.json", "b.json"]


def test_one_file_larger_than_the_cap_is_taken_over_several_polls(
    store: Store, tmp_path: Path
) -> None:
    export(tmp_path, "big.json", 0, 1200)
    news = [poll(store, tmp_path, max_entries=500).new for _ in range(3)]
    assert news == [500, 500, 200]
    assert (tmp_path / "done" / "big.json").exists()
    assert stored(store) == 1200
    assert poll(store, tmp_path).new == 0  # nothing left, nothing read twice


def test_a_file_rewritten_between_capped_polls_is_read_again_whole(
    store: Store, tmp_path: Path
) -> None:
    export(tmp_path, "big.json", 0, 300)
    assert poll(store, tmp_path, max_entries=200).new == 200
    export(tmp_path, "big.json", 0, 400)  # the CMS replaced it with a longer export
    again = poll(store, tmp_path, max_entries=500)
    assert (again.new, again.unchanged) == (200, 200)
    assert stored(store) == 400 and (tmp_path / "done" / "big.json").exists()


def test_a_lone_surrogate_beside_good_files_is_stored_and_every_file_settles(
    store: Store, tmp_path: Path
) -> None:
    """Issue 17, case 3: on 7710bd8 every poll failed, and neither file was ever read in."""
    export(tmp_path, "a-good.json", 0, 3)
    settled(tmp_path / "b-surrogate.json", SURROGATE_EXPORT)
    export(tmp_path, "c-good.json", 3, 3)
    outcome = poll(store, tmp_path)
    assert (outcome.outcome, outcome.new) == ("ok", 7)
    assert stored(store) == 7  # articles kept: 7 of 7
    done = sorted(p.name for p in (tmp_path / "done").iterdir())
    assert done == ["a-good.json", "b-surrogate.json", "c-good.json"]


def test_a_number_out_of_range_fails_its_file_only(store: Store, tmp_path: Path) -> None:
    """On 7710bd8 a 5,000-digit id was a ValueError that failed every poll of the folder."""
    export(tmp_path, "a-good.json", 0, 3)
    settled(tmp_path / "b-huge-id.json", '{"id": ' + "9" * 5000 + ', "title": "x"}')
    outcome = poll(store, tmp_path)
    assert (outcome.outcome, outcome.new) == ("ok", 3)
    assert (tmp_path / "done" / "a-good.json").exists()
    reason = (tmp_path / "failed" / "b-huge-id.json.error.txt").read_text(encoding="utf-8")
    assert reason.startswith("file: id: number out of range")


def test_a_file_name_that_is_not_utf8_does_not_stop_the_folder(
    store: Store, tmp_path: Path
) -> None:
    """Its name reaches the source's stored state: it must be storable too."""
    folder = os.fsencode(tmp_path)
    path = Path(os.fsdecode(folder + b"/export-\xff.json"))
    export(tmp_path, path.name, 0, 2)
    settled(tmp_path / "z-bad.json", "{not json")
    outcome = poll(store, tmp_path)
    assert (outcome.outcome, outcome.new) == ("ok", 2)
    assert (tmp_path / "done" / path.name).exists()
