"""`python -m scheduler` is the `newsfeeds` command."""

from scheduler.cli import main

main()
