"""The `newsfeeds` command line."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from sqlalchemy import exc as sa_exc

from feeds.archive import open_store, trouble
from feeds.archive.archive_file import ArchiveRefused
from feeds.archive.engine import Store
from scheduler import logs
from scheduler.config import Config, load
from scheduler.errors import ConfigError
from scheduler.service import Service
from scheduler.serving import limits_of

EXIT_CONFIG = 3  # the config is invalid
EXIT_PARTIAL = 1  # the command ran, but some work failed (a source, a feed)
# the archive cannot be opened: refused as it is (empty, not an archive, damaged), or its
# server unreachable or not answering within store.connect_timeout_seconds
EXIT_ARCHIVE = 4

# markup off: messages carry config values and upstream text ("[[sections]]", "[/b]"),
# which rich would otherwise read as markup, eat or fail on
console = Console(stderr=True, markup=False, highlight=False, soft_wrap=True)
out = Console(markup=False, highlight=False)
_CONFIG_HELP = "Path to config.toml (before or after the command; after wins)."


def _config(ctx: click.Context) -> Config:
    try:
        return load(ctx.obj["config"])
    except ConfigError as exc:
        console.print(str(exc), style="red")
        sys.exit(EXIT_CONFIG)


def _set_config(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """`COMMAND --config PATH`: the path given after the command replaces the one before."""
    if value is not None:
        ctx.ensure_object(dict)["config"] = value


class Commands(click.Group):
    """The command group; every command also takes `--config PATH` after its name."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Register a command with its own --config option (DESIGN.md: before and after)."""
        option = click.Option(
            ["--config"],
            type=click.Path(dir_okay=False),
            expose_value=False,
            callback=_set_config,
            help=_CONFIG_HELP,
        )
        cmd.params.append(option)
        super().add_command(cmd, name)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    default="config.toml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help=_CONFIG_HELP,
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    help="How much to log.",
)
@click.pass_context
def main(ctx: click.Context, config_path: str, log_level: str) -> None:
    """newsfeeds: ingest news sources and serve RSS, Atom and JSON Feed.

    Exit status: 0 success, 1 some work failed, 2 bad usage, 3 invalid config,
    4 the archive cannot be opened (empty, not an archive, damaged, unreachable or not
    answering).
    """
    ctx.obj = {"config": config_path, "log_level": log_level}


def archive(cfg: Config, init: bool) -> Store:
    """Open the configured archive, or exit with the reason it cannot be opened."""
    try:
        return open_store(cfg.store_url, init=init, settings=cfg.store)
    except ArchiveRefused as exc:
        console.print(str(exc), style="red")
    except sa_exc.DBAPIError as exc:  # unreachable, or not answering in connect_timeout
        why = trouble.cannot_open(cfg.store_url, exc, cfg.store.connect_timeout_seconds)
        console.print(why, style="red")
    sys.exit(EXIT_ARCHIVE)


init_option = click.option(
    "--init",
    is_flag=True,
    help="Start a new archive where the file exists but is empty or not an archive "
    "(anything in it is kept beside the new one).",
)


def _service(ctx: click.Context, init: bool, *, serving: bool = False) -> Service:
    cfg = _config(ctx)
    logs.setup(ctx.obj["log_level"], cfg.log_format)
    if serving:  # the connection cap against this process's open-file limit, up front
        try:
            limits_of(cfg)
        except ConfigError as exc:
            console.print(str(exc), style="red")
            sys.exit(EXIT_CONFIG)
    return Service(cfg, store=archive(cfg, init))


def _when(value: object) -> str:
    from datetime import datetime

    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else "—"
