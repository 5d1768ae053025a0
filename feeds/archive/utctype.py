"""The one column type for times: aware UTC in, aware UTC out, on every engine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from sources.model.utc import as_utc


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Stores aware UTC datetimes on every engine and always returns them aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored")
        value = as_utc(value)
        # SQLite keeps text: store naive UTC so comparisons sort lexically and correctly
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return as_utc(value)
