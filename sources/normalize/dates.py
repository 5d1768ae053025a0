"""Dates as publishers write them, resolved to aware UTC through the source's timezone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as du_parser

MIN_YEAR = 1990
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_UTC_NAMES = frozenset({"z", "ut", "utc", "gmt", "zulu"})
# Used only when the abbreviation is not one the source's own zone uses: these are the
# readings a news desk almost always means (IST, CST, AST … are ambiguous: left to the zone).
_FALLBACK_ABBREVIATIONS = {
    "est": -5,
    "edt": -4,
    "cdt": -5,
    "mdt": -6,
    "mst": -7,
    "pst": -8,
    "pdt": -7,
    "bst": 1,
    "cet": 1,
    "cest": 2,
    "eet": 2,
    "eest": 3,
    "wet": 0,
    "west": 1,
    "jst": 9,
    "kst": 9,
    "aest": 10,
    "aedt": 11,
    "nzst": 12,
    "nzdt": 13,
    "msk": 3,
}
_ZONE = r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z]{1,5})?"
_TIME = (
    r"(?P<hh>\d{1,2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?"
)
_PATTERNS = [
    # ISO 8601 / RFC 3339: 2026-02-28T10:27:00+05:30, 2026-02-28 10:27, 2026-02-28
    re.compile(rf"(?P<y>\d{{4}})-(?P<m>\d{{2}})-(?P<d>\d{{2}})(?:[T ]\s*{_TIME})?\s*{_ZONE}"),
    # RFC 822/1123: [Sat,] 28 Feb 2026 10:27[:00] +0000|GMT|EST
    re.compile(
        rf"(?:[A-Za-z]{{2,9}}\.?,?\s+)?(?P<d>\d{{1,2}})[\s-]+(?P<mon>[A-Za-z]{{3,9}})\.?[\s-]+"
        rf"(?P<y>\d{{2}}|\d{{4}})(?:,?\s+{_TIME})?\s*{_ZONE}"
    ),
    # Day first, as most of the world writes it: 28-02-2026 10:27 IST, 28/02/2026
    re.compile(
        rf"(?P<d>\d{{1,2}})[-/.](?P<m>\d{{1,2}})[-/.](?P<y>\d{{4}})(?:[ T,]+\s*{_TIME})?\s*{_ZONE}"
    ),
    # Month first in words: [Saturday,] Feb 28, 2026 [at] 10:27 AM [EST]
    re.compile(
        rf"(?:[A-Za-z]{{2,9}},?\s+)?(?P<mon>[A-Za-z]{{3,9}})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?"
        rf"\s+(?P<y>\d{{4}})(?:,?\s+(?:at\s+)?{_TIME})?\s*{_ZONE}"
    ),
]
_DAY_FIRST = 2  # index of the numeric day-first pattern, the one that may read 02/28/2026
_EPOCH = re.compile(r"(?P<s>\d{10})(?P<ms>\d{3})?(?:\.\d+)?")


@lru_cache(maxsize=256)
def source_zone(name: str) -> tzinfo:
    """The IANA zone a source is configured with; UTC when the name is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_date(text: str | None, tz: str) -> datetime | None:
    """Parse a publisher's date into aware UTC, or None for garbage and years before 1990."""
    if not text:
        return None
    text = " ".join(text.split())[:80]
    try:
        found = _parse_known(text, source_zone(tz)) or _parse_loose(text, source_zone(tz))
    except (ValueError, OverflowError):
        return None
    if found is None or found.year < MIN_YEAR:
        return None
    return found.astimezone(UTC)


def _parse_known(text: str, zone: tzinfo) -> datetime | None:
    """Try the formats news sources actually use, strictly."""
    epoch = _EPOCH.fullmatch(text)
    if epoch:
        return datetime.fromtimestamp(int(epoch["s"]), UTC)
    for index, pattern in enumerate(_PATTERNS):
        match = pattern.fullmatch(text)
        if match:
            return _from_fields(match.groupdict(), zone, may_swap=index == _DAY_FIRST)
    return None


def _from_fields(f: dict[str, str | None], zone: tzinfo, *, may_swap: bool) -> datetime | None:
    """Build a datetime from matched fields, then attach the zone they imply."""
    month_digits = f.get("m")
    month = int(month_digits) if month_digits else _MONTHS.get((f.get("mon") or "").lower())
    if month is None:
        return None
    day, year = int(f["d"] or 0), int(f["y"] or 0)
    if may_swap and month > 12 and day <= 12:  # 02/28/2026: unmistakably month first
        day, month = month, day
    if year < 100:  # RFC 822 two-digit years (RFC 2822 §4.3)
        year += 2000 if year < 50 else 1900
    hour = int(f.get("hh") or 0)
    ampm = (f.get("ampm") or "").lower().replace(".", "")
    if ampm and not 1 <= hour <= 12:
        return None
    if ampm:
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    naive = datetime(year, month, day, hour, int(f.get("mi") or 0), int(f.get("ss") or 0))
    return _attach_zone(naive, f.get("zone"), zone)


def _attach_zone(naive: datetime, zone_text: str | None, zone: tzinfo) -> datetime | None:
    """Explicit offsets win; abbreviations and naive times go through the source's zone."""
    if not zone_text:
        return naive.replace(tzinfo=zone)
    if zone_text[0] in "+-":
        digits = zone_text[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
        if minutes >= 24 * 60:
            return None
        sign = -1 if zone_text[0] == "-" else 1
        return naive.replace(tzinfo=timezone(timedelta(minutes=sign * minutes)))
    resolved = resolve_abbreviation(zone_text, naive, zone)
    return None if resolved is None else naive.replace(tzinfo=resolved)


def resolve_abbreviation(abbr: str, naive: datetime, zone: tzinfo) -> tzinfo | None:
    """Map a zone abbreviation to a tzinfo, trusting the source's zone first."""
    key = abbr.lower()
    if key in _UTC_NAMES:
        return UTC
    if not key.isalpha():
        return None
    # "EST" written all year by a New York desk means New York time: use the zone's own rules.
    zone_names = {(zone.tzname(naive.replace(month=m, day=1)) or "").lower() for m in (1, 7)}
    if key in zone_names:
        return zone
    hours = _FALLBACK_ABBREVIATIONS.get(key)
    return zone if hours is None else timezone(timedelta(hours=hours))


def _parse_loose(text: str, zone: tzinfo) -> datetime | None:
    """Last resort for other spellings: dateutil, refusing anything that lacks a full date."""
    if not re.search(r"\d{4}", text) or not re.search(r"[A-Za-z]{3}|\d{1,2}[-/.]\d", text):
        return None

    def tzinfos(name: str | None, offset: int | None) -> tzinfo | None:
        if offset is not None:
            return timezone(timedelta(seconds=offset))
        return resolve_abbreviation(name or "", datetime(2000, 1, 1), zone) or zone

    # A default in year 1 makes a date without a year fall under MIN_YEAR and be refused.
    try:
        found = du_parser.parse(text, default=datetime(1, 1, 1), dayfirst=True, tzinfos=tzinfos)
    except (du_parser.ParserError, TypeError, IndexError, AttributeError):
        return None
    return found if found.tzinfo else found.replace(tzinfo=zone)
