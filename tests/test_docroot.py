"""`[publish] docroot`: every public document as files, on SQLite and PostgreSQL.

Each document is written with its .gz and .br siblings (history pages: .gz only, as the
Python server serves them), mtime = its change time in whole seconds; the index, OPML and
stylesheet too; retired and redirected documents leave it; two processes mirroring one
archive give the same files with the same mtimes.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from docroot_support import T1, docroot_config, publish_some, read_coding, stored_documents

from feeds.catalog import is_history_path
from feeds.docroot import files
from scheduler.errors import ConfigError
from scheduler.service import Service


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every visible file of a docroot: relative name -> (bytes, mtime)."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), int(p.stat().st_mtime))
        for p in sorted(root.rglob("*"))
        if p.is_file() and files.TEMP_FOLDER not in p.parts
    }


def test_every_document_is_in_the_docroot_with_its_siblings(tmp_path: Path, store_url: str) -> None:
    root = tmp_path / "docroot"
    service = Service(docroot_config(tmp_path, store_url, root))
    service.start_feeds()
    publish_some(service)
    documents = stored_documents(service)
    assert len(documents) >= 9
    assert any(is_history_path(d.path) for d in documents)
    for doc in documents:
        target = files.file_of(root, doc.path)
        assert target.read_bytes() == doc.body, doc.path
        assert read_coding(root, doc.path, ".gz") == doc.body
        assert read_coding(root, doc.path, ".br") == (None if doc.br is None else doc.body)
        for suffix in ("", ".gz", ".br"):
            sibling = target.with_name(target.name + suffix)
            if sibling.exists():
                assert sibling.stat().st_mtime == doc.changed_at.timestamp(), sibling
        assert (doc.br is None) == is_history_path(doc.path)
    for page in ("/", "/feeds.opml", "/feeds/style.xsl"):
        body = files.file_of(root, page).read_bytes()
        assert body and read_coding(root, page, ".gz") == body == read_coding(root, page, ".br")
    assert b"/feeds/section/world.rss" in files.file_of(root, "/").read_bytes()
    service.store.dispose()


def test_a_change_rewrites_the_document_with_a_later_mtime(tmp_path: Path, store_url: str) -> None:
    root = tmp_path / "docroot"
    service = Service(docroot_config(tmp_path, store_url, root))
    publish_some(service)
    target = files.file_of(root, "/feeds/section/world.rss")
    before = target.read_bytes(), target.stat().st_mtime
    # a second change within the same second: the mtime still moves, so nginx's ETag does
    publish_some(service, T1 + timedelta(milliseconds=300), n=4)
    after = target.read_bytes(), target.stat().st_mtime
    assert after[0] != before[0] and after[1] == before[1] + 1
    assert read_coding(root, "/feeds/section/world.rss", ".br") == after[0]
    service.store.dispose()


def test_retired_and_redirected_documents_leave_the_docroot(tmp_path: Path, store_url: str) -> None:
    root = tmp_path / "docroot"
    service = Service(docroot_config(tmp_path, store_url, root))
    publish_some(service)
    business = files.file_of(root, "/feeds/section/business.rss")
    assert business.exists() and business.with_name("business.rss.gz").exists()
    service.store.dispose()
    # the next start without the business section: the Python server answers 410 for its
    # documents and the docroot no longer holds them
    text = (tmp_path / "config.toml").read_text(encoding="utf-8")
    text = text.replace('slug = "business"\ntitle = "Business"', 'slug = "india2"\ntitle = "I"')
    text += '\n[[redirects]]\nfrom = "/feeds/section/world/in"\nto = "/feeds/country/in"\n'
    (tmp_path / "retired.toml").write_text(text, encoding="utf-8")
    from scheduler.config import load

    again = Service(load(tmp_path / "retired.toml"))
    again.rebuild()
    left = _tree(root)
    assert not any(name.startswith("feeds/section/business") for name in left)
    assert not any(name.startswith("feeds/section/world/in") for name in left)
    assert "feeds/section/world.rss" in left
    assert b"section/business" not in files.file_of(root, "/").read_bytes()
    again.store.dispose()


def test_two_processes_on_one_archive_publish_the_same_files(
    tmp_path: Path, store_url: str
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    writer = Service(docroot_config(tmp_path, store_url, one))
    writer.start_feeds()
    publish_some(writer)
    publish_some(writer, T1 + timedelta(seconds=90), n=5)
    # the other process stored nothing itself: it follows the archive
    follower = Service(docroot_config(tmp_path, store_url, two, name="other.toml"))
    assert follower.outputs.docroot is not None
    follower.outputs.docroot.sync()
    assert _tree(one) == _tree(two) and len(_tree(one)) > 20
    writer.store.dispose()
    follower.store.dispose()


def test_a_restart_rewrites_nothing(tmp_path: Path, store_url: str) -> None:
    root = tmp_path / "docroot"
    service = Service(docroot_config(tmp_path, store_url, root))
    publish_some(service)
    inodes = {p: p.stat().st_ino for p in root.rglob("*.rss")}
    again = Service(docroot_config(tmp_path, store_url, root))
    assert again.outputs.docroot is not None
    written = again.outputs.docroot.sync().written
    assert not [p for p in written if p not in ("/", "/feeds.opml", "/feeds/style.xsl")]
    assert {p: p.stat().st_ino for p in root.rglob("*.rss")} == inodes
    assert not os.listdir(root / files.TEMP_FOLDER)
    service.store.dispose()
    again.store.dispose()


def test_the_docroot_is_off_by_default_and_relative_to_the_config(tmp_path: Path) -> None:
    from http_support import write_config

    assert write_config(tmp_path).docroot is None
    cfg = docroot_config(tmp_path, "sqlite:///x.db", Path("public"))
    assert cfg.docroot == tmp_path / "public"
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"publish\.docroot: must be a folder"):
        docroot_config(tmp_path, "sqlite:///x.db", Path("a-file"))


def test_nginx_config_needs_a_docroot(tmp_path: Path) -> None:
    from http_support import write_config

    from tests.service_support import cli

    write_config(tmp_path)
    made = cli(tmp_path / "config.toml", "nginx-config")
    assert made.returncode == 3 and "publish.docroot: not set" in made.stderr
