"""Which archive errors mean "cannot commit now" (push: 503) and which mean corruption."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from feeds.archive import availability, open_store
from tests.service_support import free_port


def raised(action: object) -> BaseException:
    with pytest.raises(Exception) as caught:
        action()  # type: ignore[operator]
    return caught.value


def test_a_database_server_that_is_down_cannot_commit() -> None:
    engine = sa.create_engine(
        f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/test",
        connect_args={"connect_timeout": 2},
    )
    error = raised(engine.connect)
    assert availability.cannot_commit(error) and not availability.is_corruption(error)


def test_a_damaged_page_is_corruption(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    store = open_store(f"sqlite:///{db}")
    with store.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE filler (x BLOB)")
        for _ in range(200):
            conn.exec_driver_sql("INSERT INTO filler VALUES (randomblob(2000))")
    store.dispose()
    size = db.stat().st_size
    with db.open("r+b") as handle:  # the last pages: filler's b-tree, not the schema
        handle.seek(size - 65_536)
        handle.write(b"\x05" * 65_536)
    store = open_store(f"sqlite:///{db}")

    def read_every_row() -> None:
        with store.read() as conn:
            conn.exec_driver_sql("SELECT sum(length(x)) FROM filler").all()

    error = raised(read_every_row)
    assert availability.is_corruption(error) and availability.cannot_commit(error)
    assert store.corruption is not None  # the store noticed: writes are refused from now on
    with pytest.raises(availability.ArchiveCorrupt), store.begin():
        pass
    store.dispose()


def test_a_bug_is_neither() -> None:
    error = raised(lambda: sqlite3.connect(":memory:").execute("SELECT nonsense FROM nowhere"))
    assert not availability.cannot_commit(error) and not availability.is_corruption(error)
    assert not availability.cannot_commit(ValueError("a bug in the request handling"))
