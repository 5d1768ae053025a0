"""Fuzz targets, run in a subprocess by soak.fuzz: `python -m soak.fuzz_worker ENGINE SECONDS OUT`.

A crash is any exception other than SourceError (the error bad input is meant to raise).
Each crashing input is written to OUT (the minimal one, for hypothesis).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from soak.pipeline import NOW, SETTINGS, SOURCE


def parse_target(body: bytes) -> None:
    """parse_feed on any bytes: items or a SourceError, nothing else."""
    from sources.errors import SourceError
    from sources.kinds.feed import parse_feed

    with contextlib.suppress(SourceError):
        parse_feed(
            body,
            content_type="application/rss+xml",
            source=SOURCE,
            max_entries=50,
            base_url=SOURCE.url,
        )


def normalize_target(fields: Mapping[str, str | None]) -> None:
    """normalize on any text in any field: an Article or a SourceError."""
    from sources.errors import SourceError
    from sources.model.raw import RawItem
    from sources.normalize import normalize

    with contextlib.suppress(SourceError):
        normalize(RawItem(source_id="fuzz", **fields), SOURCE, SETTINGS, now=NOW)  # type: ignore[arg-type]


def _save(out: Path, kind: str, data: bytes) -> None:
    suffix = "xml" if kind == "parse" else "json"
    name = f"fuzz-{kind}-{hashlib.sha256(data).hexdigest()[:10]}.{suffix}"
    (out / name).write_bytes(data)


def hypothesis_run(seconds: float, out: Path) -> None:
    """Rounds of hypothesis over both targets until the time is up; saves each failure."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    fields = (
        "upstream_id",
        "url",
        "title",
        "summary",
        "content",
        "published",
        "updated",
        "language",
        "base_url",
        "content_base",
    )
    texts = st.text(alphabet=st.characters(codec=None), max_size=300)
    fragment = st.sampled_from(
        [
            "<",
            ">",
            "&",
            "&#",
            ";",
            "<![CDATA[",
            "]]>",
            "<b>",
            "&#xD800;",
            "&amp;",
            "<!--",
            "\x00",
            "é",
            "javascript:",
            "<script>",
        ]
    )
    piece = st.lists(st.one_of(texts, fragment), max_size=20).map("".join)
    feeds = st.tuples(piece, piece, piece).map(
        lambda t: (
            f"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title><item>"
            f"<title>{t[0]}</title><link>https://h.example/{t[1]}</link>"
            f"<description>{t[2]}</description></item></channel></rss>"
        ).encode("utf-8", "surrogatepass")
    )
    last: dict[str, bytes] = {}
    conf = settings(
        max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )

    @conf
    @given(st.one_of(st.binary(max_size=3000), feeds))
    def fuzz_parse(body: bytes) -> None:
        last["parse"] = body
        parse_target(body)

    @conf
    @given(st.fixed_dictionaries({}, optional={f: piece for f in fields}))
    def fuzz_normalize(values: dict[str, str]) -> None:
        last["normalize"] = json.dumps(values, ensure_ascii=False).encode("utf-8", "surrogatepass")
        normalize_target(values)

    deadline, rounds = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        for kind, test in (("parse", fuzz_parse), ("normalize", fuzz_normalize)):
            try:
                test()
            except Exception:  # hypothesis re-raises after shrinking: `last` is the minimal input
                _save(out, kind, last[kind])
        rounds += 1
    print(json.dumps({"rounds": rounds, "examples": rounds * 600}))


def atheris_run(seconds: float, out: Path) -> None:
    """libFuzzer-driven coverage-guided fuzzing of parse_feed (stops at the first crash)."""
    import atheris

    with atheris.instrument_imports():
        import feedparser  # noqa: F401

        import sources.kinds.feed  # noqa: F401

    def one(data: bytes) -> None:
        parse_target(data)

    atheris.Setup(
        [
            sys.argv[0],
            f"-max_total_time={int(seconds)}",
            f"-artifact_prefix={out}/",
            "-timeout=20",
            "-rss_limit_mb=2048",
            "-print_final_stats=1",
        ],
        one,
    )
    atheris.Fuzz()


if __name__ == "__main__":
    engine, secs, folder = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
    (hypothesis_run if engine == "hypothesis" else atheris_run)(secs, folder)
