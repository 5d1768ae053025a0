"""JSON as a CMS sends it, with numbers bounded so a check can name a field that is absurd.

`json.loads` turns a 5,000-digit integer into a ValueError with no field in it (Python
limits int conversion to 4,300 digits), and `1e999` into infinity. Here a number beyond
64 bits, or not finite, becomes an `OutOfRange` marker in its place instead, which the
field checks report as "number out of range" under the field's name.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

# Integers must fit in 64 bits: what SQL integer columns and most CMS ids hold
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
_MAX_DIGITS = len(str(INT_MAX))


@dataclass(frozen=True, slots=True)
class OutOfRange:
    """A JSON number that cannot be taken, standing where it was found."""

    digits: int  # characters in the number's text, for the message

    def reason(self) -> str:
        """Why it was refused, for an error message naming its field."""
        return (
            f"number out of range ({self.digits} characters): whole numbers must lie "
            f"within ±{INT_MAX}, others must be finite"
        )


def _int(text: str) -> int | OutOfRange:
    """A JSON integer, or a marker when it is outside 64 bits (checked before converting)."""
    if len(text.lstrip("-")) > _MAX_DIGITS:
        return OutOfRange(len(text))
    value = int(text)
    return value if INT_MIN <= value <= INT_MAX else OutOfRange(len(text))


def _float(text: str) -> float | OutOfRange:
    """A JSON fraction or exponent number, or a marker when it is not finite (1e999)."""
    value = float(text)
    return value if math.isfinite(value) else OutOfRange(len(text))


def _constant(text: str) -> OutOfRange:
    """NaN and Infinity, which Python's json accepts though RFC 8259 §6 has no such numbers."""
    return OutOfRange(len(text))


def loads(text: str) -> object:
    """`json.loads` with bounded numbers; raises what it raises for bad syntax or nesting."""
    return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)


def out_of_range(value: object) -> OutOfRange | None:
    """The first unbounded number anywhere inside a JSON value (iterative: no recursion)."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, OutOfRange):
            return current
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return None


def encodable(value: object) -> None:
    """`json.dumps(default=…)`: a marker left in an ignored place is written as null."""
    if isinstance(value, OutOfRange):
        return None
    raise TypeError(f"{type(value).__name__} is not JSON")
