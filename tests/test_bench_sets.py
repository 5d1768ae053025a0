"""Bench data sets: parallel bulk seeding, the PostgreSQL copy of a seed, the code stamp."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pg_support
import pytest
import sqlalchemy as sa

from bench import bulk, data, sets
from feeds.archive import open_store
from feeds.archive.tables import metadata

SHAPE = data.Shape(sections=3, countries=4, body_bytes=200)


def _tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a seed writes, in primary-key order, as the archive reads them."""
    store = open_store(url)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.read() as conn:
        for name in bulk.table_names():
            table = metadata.tables[name]
            query = sa.select(table).order_by(*table.primary_key.columns)
            out[name] = [tuple(row) for row in conn.execute(query)]
    store.dispose()
    return out


def _seed(url: str, count: int, *, workers: int, batch: int) -> None:
    store = open_store(url)
    bulk.seed(store, SHAPE, count, 77, batch=batch, workers=workers)
    store.dispose()


def test_parallel_seed_writes_what_the_single_process_seed_writes(tmp_path: Path) -> None:
    one, two = f"sqlite:///{tmp_path / 'one.db'}", f"sqlite:///{tmp_path / 'two.db'}"
    # a batch size that does not divide the count: the last, short range must line up too
    _seed(one, 250, workers=1, batch=64)
    _seed(two, 250, workers=2, batch=64)
    a, b = _tables(one), _tables(two)
    assert len(a["articles"]) == 250
    assert len(a["memberships"]) > 250
    assert a == b


@pytest.mark.pg
def test_postgresql_copy_of_a_sqlite_seed_equals_seeding_postgresql(tmp_path: Path) -> None:
    pg_support.require()
    seeded = tmp_path / "seed.db"
    _seed(f"sqlite:///{seeded}", 120, workers=2, batch=50)
    direct_schema, direct = pg_support.create_schema()
    copied_schema, copied = pg_support.create_schema()
    try:
        _seed(direct, 120, workers=2, batch=50)
        rows, _seconds = sets.fill_pg(seeded, copied)
        expected = _tables(direct)
        assert rows == sum(len(v) for v in expected.values())
        assert _tables(copied) == expected
        assert _tables(copied) == _tables(f"sqlite:///{seeded}")
    finally:
        pg_support.drop_schema(direct_schema)
        pg_support.drop_schema(copied_schema)


def test_code_stamp_follows_source_changes_and_ignores_caches(tmp_path: Path) -> None:
    root = tmp_path / "feeds"
    (root / "__pycache__").mkdir(parents=True)
    (root / "render.py").write_text("A = 1\n", encoding="utf-8")
    first = sets.code_stamp([root])
    (root / "__pycache__" / "render.cpython-311.pyc").write_bytes(b"\0")
    assert sets.code_stamp([root]) == first
    (root / "render.py").write_text("A = 2\n", encoding="utf-8")
    assert sets.code_stamp([root]) != first
