"""The `newsfeeds` command line: the group and its commands, registered by importing them."""

from scheduler.cli import tools
from scheduler.cli.base import main

__all__ = ["main", "tools"]
