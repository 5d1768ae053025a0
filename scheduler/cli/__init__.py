"""The `newsfeeds` command line: the group (cli/base.py) and its commands, one module a family.

Importing this package registers every command on `main`; the command modules import the
group, never each other or this package, so nothing here imports in a circle.
"""

from scheduler.cli import (
    adopt_commands,
    archive_commands,
    partner_commands,
    publish_commands,
    readers_commands,
    service_commands,
    tools,
    trial,
)
from scheduler.cli.base import main

__all__ = [
    "adopt_commands",
    "archive_commands",
    "main",
    "partner_commands",
    "publish_commands",
    "readers_commands",
    "service_commands",
    "tools",
    "trial",
]
