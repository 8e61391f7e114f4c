"""Dates and timestamps of the format.

A bare date in a validity window or record is a UTC calendar day: ``valid_from: D``
starts at D 00:00 UTC and ``valid_until: D`` ends at the end of D (inclusive).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone


def parse_date(value: str) -> date:
    return date.fromisoformat(value)


def parse_instant(value: str, *, end_of_day: bool = False) -> datetime:
    """A date or timestamp string as an aware datetime."""
    if "T" not in value:
        day = date.fromisoformat(value)
        start = datetime.combine(day, time(0, 0), tzinfo=UTC)
        return start + timedelta(days=1) - timedelta(microseconds=1) if end_of_day else start
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def from_git_time(seconds: int, offset_minutes: int) -> datetime:
    tz = timezone(timedelta(minutes=offset_minutes))
    return datetime.fromtimestamp(seconds, tz)


def now() -> datetime:
    return datetime.now(UTC).astimezone()


def format_instant(value: datetime) -> str:
    return value.isoformat(timespec="seconds")
