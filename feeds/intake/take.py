"""The one door in: every way in hands its raw items to take_all, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from feeds.archive.engine import Store
from feeds.intake.batch import Batch
from feeds.intake.rules import IntakeResult, IntakeRules
from sources.model.raw import RawItem
from sources.model.spec import SourceSpec


def take_all(
    conn: Connection,
    source: SourceSpec,
    items: Sequence[RawItem],
    rules: IntakeRules,
    *,
    now: datetime,
) -> IntakeResult:
    """Store a batch of raw items in the caller's transaction, as if taken one by one."""
    result = IntakeResult()
    Batch(conn, source, rules, now, result).take(items)
    return result


def take(
    store: Store,
    source: SourceSpec,
    items: Sequence[RawItem],
    rules: IntakeRules,
    *,
    now: datetime,
    durable: bool = False,
) -> IntakeResult:
    """take_all in a transaction of its own (`durable`: fully synced, for promises made)."""
    with store.begin(durable=durable) as conn:
        return take_all(conn, source, items, rules, now=now)
