from __future__ import annotations

from datetime import date, datetime

from techxfer.errors import UsageError


def parse_as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    from techxfer.model.times import parse_instant

    try:
        return parse_instant(value, end_of_day=True)
    except ValueError:
        raise UsageError(f"--as-of: {value!r} is not a date (YYYY-MM-DD) or timestamp") from None


def parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None
