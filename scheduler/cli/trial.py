"""`newsfeeds try`: the articles a configured source, a URL or a local file would produce."""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import click
from rich.table import Column, Table

from feeds.intake.preview import preview
from feeds.redact import redact
from scheduler.cli.base import EXIT_PARTIAL, _config, console, main, out
from scheduler.clock import utcnow
from scheduler.config import Config
from sources import kinds
from sources.errors import SourceError
from sources.kinds.base import CollectContext
from sources.kinds.feed import parse_feed
from sources.kinds.guess import kind_of
from sources.kinds.records import items_from_records
from sources.model.article import Article
from sources.model.raw import RawItem
from sources.model.spec import SourceSpec
from sources.model.state import SourceState
from sources.net.fetch import fetch

KINDS = ("feed", "page", "sitemap", "files")
WIDE = 160  # narrower, six columns cut every URL into short pieces: one block per article
LOCAL_KINDS = ("feed", "files")  # a page or a sitemap names URLs to fetch: try its URL
_JSON_FEED = re.compile(rb'"version"\s*:\s*"https?://jsonfeed\.org/version/')


def local_kind(path: Path, body: bytes) -> str | None:
    """What a local file holds: a feed (RSS, Atom, JSON Feed), CMS records, or None."""
    head = body[:4096].lstrip()
    if head.startswith((b"{", b"[")):
        return "feed" if _JSON_FEED.search(head) else "files"
    if head.startswith(b"<"):
        return kind_of(body, None)
    return None


def spec_for(cfg: Config, source: str, now: datetime, kind: str | None) -> SourceSpec:
    """A configured source by id, or an ad-hoc one for a URL, its kind told by its body."""
    configured = next((s for s in cfg.sources if s.id == source), None)
    if configured is not None:
        return configured
    if not re.match(r"https?://", source, re.I):
        raise click.BadParameter(
            f"{source!r} is neither a configured source id, an http(s) URL nor a local file"
        )
    if kind == "files":
        raise click.BadParameter("--kind files reads a local CMS export, not a URL")
    got = fetch(source, cfg.fetch, now=now)
    return _adhoc(cfg, kind or kind_of(got.body, got.content_type), got.final_url)


def _adhoc(cfg: Config, kind: str, url: str) -> SourceSpec:
    """A source no config names: its articles go to the first section."""
    return SourceSpec(
        id="try",
        kind=kind,
        url=url,
        interval_seconds=cfg.scheduler.min_interval_seconds,
        section=cfg.sections[0].slug,
    )


def from_file(cfg: Config, path: Path, kind: str | None) -> tuple[SourceSpec, list[RawItem]]:
    """A local file's raw items, read as the kind it holds (or the one asked for)."""
    body = path.read_bytes()
    kind = kind or local_kind(path, body)
    if kind is None:
        raise click.BadParameter(
            f"{path}: cannot tell what this file holds; pass --kind {' or '.join(LOCAL_KINDS)}"
        )
    if kind not in LOCAL_KINDS:
        raise click.BadParameter(f"{path}: a {kind} is tried by its URL, not as a local file")
    spec = _adhoc(cfg, kind, path.resolve().as_uri())
    if kind == "files":
        return spec, items_from_records(spec.id, path.name, body)
    items, _warning = parse_feed(
        body, content_type=None, source=spec, max_entries=cfg.fetch.max_entries, base_url=spec.url
    )
    return spec, list(items)


def trial(
    cfg: Config, spec: SourceSpec, now: datetime
) -> tuple[list[Article], list[str], str | None]:
    """Collect and normalize a source as a poll would, storing nothing anywhere."""
    with tempfile.TemporaryDirectory() as work:
        ctx = CollectContext(now=now, fetch=cfg.fetch, work_dir=work)
        collected = kinds.collect(spec, SourceState(spec.id, spec.url), ctx)
    made, rejected = preview(spec, collected.items, cfg.intake.normalize, now=now)
    return made, rejected, collected.warning


def _run(
    cfg: Config, source: str, kind: str | None, now: datetime
) -> tuple[SourceSpec, list[Article], list[str], str | None]:
    path = Path(source)
    if not any(s.id == source for s in cfg.sources) and path.is_file():
        spec, items = from_file(cfg, path, kind)
        made, rejected = preview(spec, items, cfg.intake.normalize, now=now)
        return spec, made, rejected, None
    spec = spec_for(cfg, source, now, kind)
    return (spec, *trial(cfg, spec, now))


@main.command("try")
@click.argument("source")
@click.option("--kind", type=click.Choice(KINDS), help="The source kind, when it cannot be told.")
@click.option("--json", "as_json", is_flag=True, help="Print the articles as JSON.")
@click.pass_context
def try_source(ctx: click.Context, source: str, kind: str | None, as_json: bool) -> None:
    """Show the articles a source would produce; store nothing.

    SOURCE is a source id from the config, a URL (a feed, an article page or a sitemap, told
    apart by what it serves) or a local file (a feed, or a CMS export in JSON). Articles of a
    URL or a file go to the first section.
    """
    cfg = _config(ctx)
    try:
        spec, made, rejected, warning = _run(cfg, source, kind, utcnow())
    except SourceError as exc:
        console.print(redact(f"{source}: {exc}"), style="red")
        sys.exit(EXIT_PARTIAL)
    if as_json:
        click.echo(json.dumps([as_row(a) for a in made], ensure_ascii=False, indent=2))
    elif out.width >= WIDE:
        out.print(_table(spec, made))
    else:
        out.print(_blocks(spec, made), soft_wrap=True)
    if warning:
        console.print(f"warning: {warning}")
    for reason in rejected:
        console.print(f"rejected: {reason}")
    console.print(f"{len(made)} articles, {len(rejected)} rejected ({spec.kind} source)")
    sys.exit(EXIT_PARTIAL if rejected and not made else 0)


def as_row(a: Article) -> dict[str, object]:
    """One article as the JSON listing gives it."""
    return {
        "title": a.title,
        "url": a.url,
        "published": a.published.isoformat(),
        "section": a.section,
        "countries": list(a.countries),
        "image": a.image.url if a.image else None,
    }


def _blocks(spec: SourceSpec, made: Sequence[Article]) -> str:
    """Each article as a few lines, every URL whole on its own line (a terminal wraps it)."""
    lines = [f"{spec.id} ({spec.kind}): {spec.url}", ""]
    for a in made:
        where = " ".join(x for x in (a.section, " ".join(a.countries)) if x)
        lines += [a.title, f"  {a.url}", f"  {a.published:%Y-%m-%d %H:%M} UTC · {where}"]
        lines += [f"  image: {a.image.url}"] if a.image else []
        lines.append("")
    return "\n".join(lines).rstrip()


def _table(spec: SourceSpec, made: Sequence[Article]) -> Table:
    # fold, never truncate: a URL cut short with an ellipsis cannot be checked or opened
    table = Table(
        Column("title", ratio=3),
        Column("url", overflow="fold", ratio=3),
        Column("published (UTC)", no_wrap=True),
        "section",
        "countries",
        Column("image", overflow="fold", ratio=2),
    )
    table.title = f"{spec.id} ({spec.kind}): {spec.url}"
    for a in made:
        table.add_row(
            a.title,
            a.url,
            a.published.strftime("%Y-%m-%d %H:%M"),
            a.section,
            " ".join(a.countries),
            a.image.url if a.image else "",
        )
    return table
