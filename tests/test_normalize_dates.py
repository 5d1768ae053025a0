"""Dates as real sources write them, resolved to aware UTC through the source's timezone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sources.normalize import parse_date


def utc(y: int, m: int, d: int, hh: int = 0, mi: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mi, ss, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        # The issue's own example: IST through an Asia/Kolkata source.
        ("28-02-2026 10:27 IST", "Asia/Kolkata", utc(2026, 2, 28, 4, 57)),
        # RFC 822 with and without weekday and seconds.
        ("Sat, 28 Feb 2026 10:27:00 GMT", "Asia/Kolkata", utc(2026, 2, 28, 10, 27)),
        ("28 Feb 2026 10:27 +0000", "UTC", utc(2026, 2, 28, 10, 27)),
        ("Sat, 28 Feb 2026 10:27 +0530", "UTC", utc(2026, 2, 28, 4, 57)),
        ("Thu, 01 Jan 2004 19:48:21 GMT", "UTC", utc(2004, 1, 1, 19, 48, 21)),
        ("Sat, 28 Feb 26 10:27 GMT", "UTC", utc(2026, 2, 28, 10, 27)),
        ("Sat,  28 Feb 2026\t10:27:00 -0500", "UTC", utc(2026, 2, 28, 15, 27)),
        # ISO 8601 with and without offset (naive -> source zone, incl. summer time).
        ("2026-02-28T10:27:00+05:30", "Europe/London", utc(2026, 2, 28, 4, 57)),
        ("2026-02-28T10:27:00Z", "Asia/Kolkata", utc(2026, 2, 28, 10, 27)),
        ("2004-06-05T08:00:00.123-07:00", "UTC", utc(2004, 6, 5, 15)),
        ("2026-07-28 10:27", "Europe/London", utc(2026, 7, 28, 9, 27)),
        ("2026-02-28", "America/New_York", utc(2026, 2, 28, 5)),
        # Explicit numeric offsets win over the source's zone.
        ("2026-02-28T10:27:00+00:00", "Asia/Kolkata", utc(2026, 2, 28, 10, 27)),
        # Day first, and month-first in words with AM/PM.
        ("28/02/2026 22:05", "Asia/Kolkata", utc(2026, 2, 28, 16, 35)),
        ("Feb 28, 2026 10:27 AM", "America/New_York", utc(2026, 2, 28, 15, 27)),
        ("February 28, 2026 10:27 PM EST", "America/New_York", utc(2026, 3, 1, 3, 27)),
        ("Saturday, February 28, 2026 at 12:05 am", "UTC", utc(2026, 2, 28, 0, 5)),
        # Abbreviations through the source zone: a New York desk writing EST in July.
        ("Sun, 12 Jul 2026 10:27 EST", "America/New_York", utc(2026, 7, 12, 14, 27)),
        ("Sun, 12 Jul 2026 10:27 BST", "Europe/London", utc(2026, 7, 12, 9, 27)),
        ("Sun, 12 Jul 2026 10:27 CEST", "Europe/Paris", utc(2026, 7, 12, 8, 27)),
        ("Sun, 12 Jul 2026 10:27 PDT", "America/Los_Angeles", utc(2026, 7, 12, 17, 27)),
        # An abbreviation foreign to the source's zone falls back to its usual reading.
        ("Sun, 12 Jul 2026 10:27 EST", "UTC", utc(2026, 7, 12, 15, 27)),
        ("Sun, 12 Jul 2026 10:27 CET", "UTC", utc(2026, 7, 12, 9, 27)),
        # Epoch seconds and milliseconds.
        ("1772274420", "Asia/Kolkata", utc(2026, 2, 28, 10, 27)),
        ("1772274420000", "UTC", utc(2026, 2, 28, 10, 27)),
        # A source with an unknown zone name is read as UTC rather than failing.
        ("2026-02-28 10:27", "Not/AZone", utc(2026, 2, 28, 10, 27)),
    ],
)
def test_parse_date_formats(text: str, tz: str, expected: datetime) -> None:
    found = parse_date(text, tz)
    assert found == expected
    assert found is not None and found.utcoffset() is not None and found.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "garbage",
        "March",
        "2026",
        "yesterday at noon",
        "Sat, 28 Feb 1980 10:27:00 GMT",  # before 1990
        "1989-12-31T23:59:59Z",
        "31/02/2026",  # no such day
        "2026-13-01T00:00:00Z",
        "28 Feb 2026 25:61",
        "2026-02-28T10:27:00+99:00",
        "99999999999999999999",
        "Sat, 28 Feb 99999 10:27:00 GMT",
        "\x00\ud800\uffff",
        "0000-00-00 00:00:00",  # MySQL's "no date"
    ],
)
def test_garbage_dates_are_none(text: str | None) -> None:
    assert parse_date(text, "Asia/Kolkata") is None


def test_corpus_rfc822_dates_parse() -> None:
    """Every well-formed RFC 822 pubDate in the feedparser corpus's date cases parses."""
    texts = [
        "Thu, 01 Jan 2004 19:48:21 GMT",
        "Thu, 01 Jan 04 19:48:21 GMT",
        "Thu, 31 Jun 2004 19:48:21 GMT",  # no June 31st: refused
    ]
    found = [parse_date(t, "UTC") for t in texts]
    assert found == [utc(2004, 1, 1, 19, 48, 21), utc(2004, 1, 1, 19, 48, 21), None]
