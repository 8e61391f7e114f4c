"""Time: what a commit's date may say, and which time the other rules judge at (DESIGN 2.1).

A signer writes its own commit date, so no rule rests on it alone. A commit dated before
a parent (beyond the skew) or after the verifier's clock is TIME_INCONSISTENT, and so is
a record whose own date is not its commit's. Holds, retention ends, notices and key
validity are judged at ``effective_time``: the latest time the commit can be shown to
exist from, which a backdated commit cannot move back past its parents.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from techxfer.errors import ConfigError
from techxfer.findings import Code, Finding, msg
from techxfer.format.layout import SCHEMA_OF, PathKind, kind
from techxfer.model.times import parse_instant
from techxfer.state.config import Config
from techxfer.state.snapshot import Snapshot

DEFAULT_SKEW = timedelta(minutes=10)
# The field of each record kind that says when it was made.
DATE_FIELD = {PathKind.TRANSFER: "date", PathKind.ACK: "date", PathKind.DISPOSITION: "date",
              PathKind.DISTRIBUTION: "date", PathKind.DUTY: "date", PathKind.HOLD: "placed",
              PathKind.PRODUCTION_RELEASE: "date", PathKind.MARKET_RELEASE: "date",
              PathKind.TRAINING: "date", PathKind.APPROVAL: "date",
              PathKind.IMPLEMENTATION: "date"}


def skew(config: Config | None) -> timedelta:
    return timedelta(minutes=config.repo.clock_skew_minutes) if config is not None else DEFAULT_SKEW


def effective_time(own: datetime, parents: Iterable[datetime]) -> datetime:
    """The latest of the commit's own time and its parents' effective times."""
    return max([own, *parents])


def _shown(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def commit_time(commit: str, own: datetime, parents: Iterable[tuple[str, datetime]],
                clock: datetime, allowed: timedelta) -> list[Finding]:
    """A commit dated before a parent, or after the verifier's clock, beyond the skew."""
    out: list[Finding] = []
    for parent, when in parents:
        if own + allowed < when:
            out.append(Finding.of(Code.TIME_INCONSISTENT, None, msg(
                "time.before_parent", "dated {own}, before its parent {parent} dated {when}: a "
                "commit cannot be older than its parent", own=_shown(own), parent=parent[:10],
                when=_shown(when)), commit))
    if own > clock + allowed:
        out.append(Finding.of(Code.TIME_INCONSISTENT, None, msg(
            "time.future", "dated {own}, after the verifier's clock ({clock})", own=_shown(own),
            clock=_shown(clock)), commit))
    return out


def record_dates(commit: str, own: datetime, added: Iterable[str], after: Snapshot,
                 allowed: timedelta) -> list[Finding]:
    """Each record this commit adds must carry the commit's own time as its date."""
    out: list[Finding] = []
    for path in sorted(added):
        field = DATE_FIELD.get(kind(path))
        if field is None or not after.is_file(path):
            continue
        try:
            raw: Any = after.load(SCHEMA_OF[kind(path)], path)
            value = str(raw[field])
            stated = parse_instant(value)
        except (ConfigError, KeyError, TypeError, ValueError):
            continue  # a malformed record is the record rules' finding
        # A calendar day must be the commit's day in some time zone; a time, within the skew.
        ok = abs((own.date() - stated.date()).days) <= 1 if len(value) == 10 \
            else abs(own - stated) <= allowed
        if not ok:
            out.append(Finding.of(Code.TIME_INCONSISTENT, path, msg(
                "time.record_date", "the record's {field} is {value}, but the commit that adds "
                "it is dated {own}", field=field, value=value, own=_shown(own)), commit))
    return out
