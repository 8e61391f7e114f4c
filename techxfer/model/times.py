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


# The instants a git date is clamped to when Python cannot hold it: a year inside
# datetime's range at each end, so that the rules' arithmetic on a date (a skew of minutes,
# a deadline of days) cannot overflow.
EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)


def from_git_time(seconds: int, offset_minutes: int) -> datetime:
    """A commit's date as an aware datetime; never raises.

    A date Python cannot hold (after the year 9998 or before the year 2, which a commit
    object can say) is clamped to LATEST or EARLIEST: still after, or before, every real
    date, so "dated after the verifier's clock" or "before its parent" still judges it. A
    zone of a day or more, which no place has, is read as UTC. A commit with such a date
    is MALFORMED_COMMIT (``CommitInfo.malformed`` says so); the clamp only keeps the rest
    of the audit going."""
    if not -24 * 60 < offset_minutes < 24 * 60:
        offset_minutes = 0
    tz = timezone(timedelta(minutes=offset_minutes))
    if seconds >= LATEST.timestamp():
        return LATEST.astimezone(tz)
    if seconds <= EARLIEST.timestamp():
        return EARLIEST.astimezone(tz)
    return datetime.fromtimestamp(seconds, tz)


def now() -> datetime:
    return datetime.now(UTC).astimezone()


def format_instant(value: datetime) -> str:
    return value.isoformat(timespec="seconds")
