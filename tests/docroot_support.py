"""A service publishing into a docroot, over an archive of either engine, for docroot tests."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import brotli
from http_support import BASE_URL, CONFIG, ingest, record, spec

from feeds.archive import documents as docs
from feeds.build import publish
from feeds.docroot import files
from scheduler.config import Config, load
from scheduler.service import Service

T1 = datetime(2026, 3, 10, 12, 0, 0, 250_000, tzinfo=UTC)


def docroot_config(
    tmp: Path,
    store_url: str,
    docroot: Path,
    *,
    extra: str = "",
    name: str = "config.toml",
    feeds: str = "items = 4\narchive_page_items = 2",
    raw: str | None = None,
    hubs: str = "",
) -> Config:
    """The test config (sections world, business, india; redirects) with a docroot.

    Small feeds by default (4 items, history pages of 2), so a few articles make pages.
    `raw` is a whole config file to use instead (as an operator edited it).
    """
    if raw is not None:
        (tmp / name).write_text(raw, encoding="utf-8")
        return load(tmp / name)
    text = CONFIG.format(
        base_url=BASE_URL, db="@DB@", hubs=hubs, tokens_env="NEWSFEEDS_TEST_NONE", max_body=20_000
    )
    text = text.replace('url = "sqlite:///@DB@"', f'url = "{store_url}"')
    text = text.replace("[feeds]\n", f"[feeds]\n{feeds}\n")
    path = tmp / name
    path.write_text(f'{text}\n[publish]\ndocroot = "{docroot}"\n{extra}', encoding="utf-8")
    return load(path)


def publish_some(service: Service, at: datetime = T1, n: int = 3) -> list[str]:
    """Ingest a few articles into world and business, rebuild at `at` and sync the docroot,
    as Service.rebuild does with the wall clock; the paths that changed."""
    ingest(service, [record(i, countries=["India"]) for i in range(n)], at=at, source=spec())
    ingest(service, [record(100 + i) for i in range(n)], at=at, source=spec("biz", "business"))
    report = publish.rebuild_dirty(service.store, service.site, owner="t", now=lambda: at)
    if service.outputs.docroot is not None:
        service.outputs.docroot.sync()
    return report.changed


def stored_documents(service: Service) -> list[docs.Document]:
    """Every document of the archive."""
    with service.store.read() as conn:
        return [d for d in (docs.get(conn, p) for p, *_ in docs.listing(conn)) if d is not None]


def read_coding(root: Path, path: str, suffix: str) -> bytes | None:
    """The body a docroot file holds for one coding, decoded; None when absent."""
    target = files.file_of(root, path)
    sibling = target.with_name(target.name + suffix)
    if not sibling.exists():
        return None
    data = sibling.read_bytes()
    if suffix == ".gz":
        return gzip.decompress(data)
    return brotli.decompress(data) if suffix == ".br" else data
