"""Articles fed to a running service (drop files and the push API), and a ledger of what was
acknowledged, so a later check can count lost and duplicated articles in the archive."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_TIME = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
API_TOKEN = "soak-token-7f3a9c0e51d24b6b"


def record(
    article_id: str, n: int, *, section: str = "india", body_bytes: int = 400
) -> dict[str, object]:
    """One CMS-format article (the drop-folder and push-API shape)."""
    when = (BASE_TIME + timedelta(minutes=n)).isoformat()
    return {
        "id": article_id,
        "url": f"https://news.example.com/{section}/soak/{article_id}",
        "title": f"Soak article {article_id}",
        "summary": f"Article number {n} written by the soak harness.",
        "content_html": "<p>" + ("Lorem ipsum dolor sit amet. " * (body_bytes // 28 + 1)) + "</p>",
        "authors": ["Soak Desk"],
        "section": section,
        "countries": ["IN"],
        "published": when,
        "updated": when,
        "language": "en",
        "status": "published",
    }


@dataclass
class Ledger:
    """Ids the service acknowledged (push 2xx, or a drop file it moved to done/)."""

    pushed: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)
    refused: int = 0  # pushes answered with a non-2xx (not acknowledged: not owed)
    unreachable: int = 0  # pushes that got no answer at all (not acknowledged either)
    next_n: int = 0

    def take_n(self) -> int:
        self.next_n += 1
        return self.next_n


def drop(folder: Path, ledger: Ledger, prefix: str = "soak-drop") -> str:
    """Write one drop file atomically (temp name, then rename, as a CMS export would)."""
    n = ledger.take_n()
    article_id = f"{prefix}-{n}"
    tmp = folder / f".{article_id}.json.part"
    tmp.write_text(json.dumps(record(article_id, n)), encoding="utf-8")
    tmp.rename(folder / f"{article_id}.json")
    return article_id


def settled_drops(folder: Path, ledger: Ledger) -> None:
    """Record every drop file the service has moved to done/ (it committed them first)."""
    done = folder / "done"
    if done.is_dir():
        ledger.dropped.update(p.name.removesuffix(".json") for p in done.glob("*.json"))


def post_raw(base: str, data: bytes, *, timeout: float = 10) -> int:
    """POST a JSON body to the push API; the status (0: no answer)."""
    req = urllib.request.Request(
        base + "/api/articles",
        data=data,
        method="POST",
        headers={"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def push(base: str, ledger: Ledger, *, body_bytes: int = 400, timeout: float = 10) -> int:
    """POST one article; the status (0: no answer). A 2xx goes into the ledger."""
    n = ledger.take_n()
    article_id = f"soak-push-{n}"
    data = json.dumps(record(article_id, n, body_bytes=body_bytes)).encode()
    status = post_raw(base, data, timeout=timeout)
    if status == 0:
        ledger.unreachable += 1
    elif 200 <= status < 300:
        ledger.pushed.add(article_id)
    else:
        ledger.refused += 1
    return status


@dataclass(frozen=True, slots=True)
class Audit:
    """What the archive holds against what was acknowledged."""

    acknowledged: int
    lost: list[str]
    duplicates: list[str]


def audit(db: Path, ledger: Ledger) -> Audit:
    """Lost: acknowledged ids with no article; duplicates: one upstream id or URL stored twice."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute("SELECT data FROM articles").fetchall()
    finally:
        conn.close()
    stored = [json.loads(r[0]) for r in rows]
    ids = Counter(str(a.get("upstream_id")) for a in stored if a.get("upstream_id"))
    urls = Counter(str(a["url"]) for a in stored)
    wanted = ledger.pushed | ledger.dropped
    lost = sorted(i for i in wanted if ids[i] == 0)
    dups = sorted({i for i, c in ids.items() if c > 1} | {u for u, c in urls.items() if c > 1})
    return Audit(acknowledged=len(wanted), lost=lost, duplicates=dups)
