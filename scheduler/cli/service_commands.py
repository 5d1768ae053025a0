"""Commands that run the service or its jobs: run, serve, ingest, build, prune."""

from __future__ import annotations

import sys
import time

import click
from rich.progress import Progress

from feeds.archive import forcing, queue
from feeds.catalog import parse_name
from feeds.redact import redact
from scheduler.cli.base import EXIT_PARTIAL, _service, console, init_option, main
from scheduler.clock import utcnow
from scheduler.jobs import PollOutcome, retention
from scheduler.service import Service

FORCE_WAIT = 60.0  # seconds: a rebuild lease another process holds is shorter than this


@main.command()
@init_option
@click.pass_context
def run(ctx: click.Context, init: bool) -> None:
    """Poll sources and serve feeds until SIGINT/SIGTERM.

    A stop finishes the write in flight, closes the archive and exits 0. After a restart
    each source is polled when it was next due, not all at once.
    """
    service = _service(ctx, init, serving=True)
    console.print(f"serving on http://{service.cfg.host}:{service.cfg.port}/")
    service.run()


@main.command()
@init_option
@click.pass_context
def serve(ctx: click.Context, init: bool) -> None:
    """Serve feeds from the archive without polling.

    For a process beside a separate poller, or with `newsfeeds ingest` run from cron.
    """
    _service(ctx, init, serving=True).run(poll=False)


@main.command()
@click.argument("source_ids", nargs=-1)
@click.option("--force", is_flag=True, help="Poll even sources in backoff or after a Retry-After.")
@init_option
@click.pass_context
def ingest(ctx: click.Context, source_ids: tuple[str, ...], force: bool, init: bool) -> None:
    """Poll sources once, rebuild what changed, run the jobs that are due, and exit.

    With SOURCE_IDS, only those sources. A source in backoff (after a failure or a
    Retry-After) is skipped until its time unless --force; a skip is no failure. Due
    embargoes, retention and WebSub pings (those this run caused and retries now due) run
    before the exit. Exit status 1 when any poll failed.
    """
    service = _service(ctx, init)
    from scheduler.service import seed_sources

    seed_sources(service.cfg)
    service.start_feeds()
    specs = [s for s in service.cfg.sources if not source_ids or s.id in source_ids]
    unknown = set(source_ids) - {s.id for s in specs}
    if unknown:
        raise click.BadParameter(f"unknown source id(s): {', '.join(sorted(unknown))}")
    failed = 0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("polling", total=len(specs))
        for spec in specs:
            outcome = service.poll(spec, force=force, on_demand=True)
            failed += outcome.outcome == "failed"
            progress.advance(task)
            console.print(describe_outcome(outcome))
    service.finish_one_shot()
    service.store.dispose()
    sys.exit(EXIT_PARTIAL if failed else 0)


def describe_outcome(outcome: PollOutcome) -> str:
    """One line per polled source, naming a skip's reason and until when."""
    if outcome.outcome == "skipped":
        until = f" until {outcome.until:%Y-%m-%d %H:%M:%S} UTC" if outcome.until else ""
        return (
            f"{outcome.source_id}: skipped{until} (backing off after a failure; --force polls it)"
        )
    if outcome.outcome == "retired":
        sid = outcome.source_id
        return f"{sid}: retired (gone upstream; `newsfeeds unretire {sid}` brings it back)"
    return f"{outcome.source_id}: {outcome.outcome}, {outcome.new} new, {outcome.edited} edited" + (
        f" — {redact(outcome.error)}" if outcome.error else ""
    )


@main.command()
@click.argument("feed_names", nargs=-1)
@click.option(
    "--force",
    is_flag=True,
    help="Publish even where the publish guard refused a large unexplained drop of items.",
)
@init_option
@click.pass_context
def build(ctx: click.Context, feed_names: tuple[str, ...], force: bool, init: bool) -> None:
    """Regenerate feeds from the archive.

    With FEED_NAMES (e.g. latest, section/world, country/in), only those feeds.
    """
    service = _service(ctx, init)
    service.start_feeds()
    bad = [n for n in feed_names if parse_name(n) is None]
    if bad:
        raise click.BadParameter(f"not feed names: {', '.join(bad)}")
    with service.store.begin() as conn:
        names = list(feed_names) or queue.all_feed_names(conn)
        # a force is asked of the archive, so a live service that leases the feed first
        # honours it too instead of refusing again
        (forcing.request if force else queue.mark_dirty)(conn, names)
        total = queue.pending(conn)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("rebuilding feeds", total=total)
        report = service.rebuild(force=force, on_feed=lambda _: progress.advance(task))
    unforced = _wait_forced(service, names) if force else []
    console.print(f"rebuilt {report.feeds} feeds; {len(report.changed)} documents changed")
    service.deliver_pings()  # the pings these changes queued, before the exit
    service.store.dispose()
    if report.failed:
        console.print(f"failed, kept as they were: {', '.join(report.failed)}", style="red")
    if unforced:
        console.print(f"not forced (still held by another process): {', '.join(unforced)}")
    if report.failed or unforced:
        sys.exit(EXIT_PARTIAL)


def _wait_forced(service: Service, names: list[str]) -> list[str]:
    """Rebuild until every forced feed was rebuilt without the guard, here or by the process
    that held its lease; the feeds still waiting when the time is up."""
    deadline = time.monotonic() + FORCE_WAIT
    while True:
        with service.store.read() as conn:
            left = forcing.waiting(conn, names)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)
        service.rebuild(force=True)


@main.command()
@click.option("--dry-run", is_flag=True, help="Only report what would be pruned.")
@init_option
@click.pass_context
def prune(ctx: click.Context, dry_run: bool, init: bool) -> None:
    """Apply retention now (see --dry-run).

    Takes articles older than retention.current_days out of current feeds and prunes
    those older than retention.archive_days from the archive. Pruned articles leave a
    small marker (id, guid, URL, hash), so a story polled again is not published again
    as new. The running service does this every hour.
    """
    service = _service(ctx, init)
    if dry_run:
        report = retention.plan(service.store, service.retention, utcnow())
        console.print(
            f"would take {report.aged_out} article memberships out of current feeds "
            f"and prune {report.pruned} articles"
        )
    else:
        report = retention.run(service.store, service.retention, utcnow(), force=True)
        if report.feeds:
            service.rebuild()
        console.print(
            f"took {report.aged_out} article memberships out of current feeds, "
            f"pruned {report.pruned} articles, {len(report.feeds)} feeds rebuilt"
        )
    service.store.dispose()
