"""Retention: when a record's keeping period ends, holds, and whether it may go now.

A class combines rules; the longest applicable wins. A rule whose starting event has
not happened yet (no ``obsolete`` date on an effective document) keeps the record: its
clock has not started. A rule on the device lifetime with no lifetime set in
``repo.yaml`` cannot be computed and so also keeps the record. Years are added as
calendar years; from 29 February the end falls on 1 March (never earlier than N years).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from techxfer.model.manifest import DocumentEntry
from techxfer.model.retention import Hold, RetentionClass, released_on
from techxfer.model.times import parse_instant
from techxfer.model.transfer import Transfer
from techxfer.state.config import Config

STATES = ("retain", "eligible", "held", "destroyed")


def add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February into a common year
        return date(start.year + years, 3, 1)


@dataclass(frozen=True)
class RetentionEnd:
    end: date | None  # None: permanent or not yet determined
    permanent: bool
    reason: str  # how the end was found, or why there is none yet


def retention_end(entry: DocumentEntry, cls: RetentionClass, lifetime: int | None) -> RetentionEnd:
    if cls.permanent:
        return RetentionEnd(None, True, "kept permanently")
    if not cls.rules:
        return RetentionEnd(None, False, f"class {cls.id} has no rule; kept until a rule is set")
    ends: list[tuple[date, str]] = []
    for rule in cls.rules:
        years = rule.years if rule.years is not None else lifetime
        label = f"{rule.years} years" if rule.years is not None else "the device lifetime"
        if years is None:
            return RetentionEnd(None, False, "the device lifetime is not set in repo.yaml")
        started = entry.date(rule.event)
        if started is None:
            return RetentionEnd(None, False, f"waiting for its {rule.event} date ({label} from it)")
        ends.append((add_years(date.fromisoformat(started), years),
                     f"{label} from {rule.event} {started}"))
    end, why = max(ends)
    return RetentionEnd(end, False, why)


def hold_active(hold: Hold, as_of: datetime) -> bool:
    if parse_instant(hold.placed) > as_of:
        return False
    if hold.released is None:
        return True
    return parse_instant(hold.released["date"]) > as_of


def holds_on(entry: DocumentEntry, holds: Iterable[Hold], as_of: datetime) -> list[Hold]:
    import pathspec

    found = []
    for hold in holds:
        if not hold_active(hold, as_of):
            continue
        if entry.id in hold.ids or (
                hold.match and pathspec.GitIgnoreSpec.from_lines(hold.match).match_file(entry.path)):
            found.append(hold)
    return found


@dataclass(frozen=True)
class RecordRetention:
    entry: DocumentEntry
    retention_class: str
    end: RetentionEnd
    state: str
    holds: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        e = self.entry
        return {
            "id": e.id, "path": e.path, "title": e.title, "revision": e.revision,
            "status": e.status, "class": self.retention_class, "dates": dict(e.dates),
            "end": self.end.end.isoformat() if self.end.end else None,
            "permanent": self.end.permanent, "basis": self.end.reason, "state": self.state,
            "holds": list(self.holds),
        }


def assess(entry: DocumentEntry, config: Config, as_of: datetime,
           released: Mapping[str, str] | None = None) -> RecordRetention:
    """RELEASED: document id → day of its batch's market release (rules.release.release_dates)."""
    entry = released_on(entry, released) if released else entry
    cls = config.retention.classes.get(entry.retention)
    if cls is None:
        end = RetentionEnd(None, False, f"unknown class {entry.retention}")
    else:
        end = retention_end(entry, cls, config.repo.device_lifetime_years)
    holds = tuple(h.id for h in holds_on(entry, config.holds, as_of))
    if entry.status == "destroyed":
        state = "destroyed"
    elif holds:
        state = "held"
    elif end.end is not None and as_of.date() >= end.end:
        state = "eligible"
    else:
        state = "retain"
    return RecordRetention(entry, entry.retention, end, state, holds)


@dataclass(frozen=True)
class NoticeApproval:
    """The disposal notice that lists a record, and how the other party answered it."""

    transfer: Transfer
    meaning: str | None  # None: not acknowledged yet
    transfer_commit: str | None = None
    ack_commit: str | None = None


def destruction_blockers(entry: DocumentEntry, config: Config, as_of: datetime,
                         approval: NoticeApproval | None,
                         released: Mapping[str, str] | None = None) -> list[str]:
    """Why this record may not be destroyed at AS_OF; empty when it may (DESIGN 6).

    The one answer to "may this record be destroyed?": ``retention check`` and ``dispose``
    ask it before acting, and ``verify`` asks it of every destruction in the history (with
    the holds in force before that commit)."""
    retention = assess(entry, config, as_of, released)
    reasons: list[str] = []
    if retention.state == "destroyed":
        reasons.append("already destroyed")
    if retention.state == "held":
        reasons.append(f"under legal hold {', '.join(retention.holds)}")
    if retention.end.permanent:
        reasons.append(f"class {retention.retention_class}: kept permanently")
    elif retention.end.end is None:
        reasons.append(f"retention end not determined: {retention.end.reason}")
    elif as_of.date() < retention.end.end:
        reasons.append(f"retained until {retention.end.end} ({retention.end.reason})")
    if approval is None:
        reasons.append("no disposal notice lists it (techxfer dispose request)")
    elif approval.meaning is None:
        reasons.append(f"disposal notice {approval.transfer.id} is not answered yet")
    elif approval.meaning != "approved":
        reasons.append(f"disposal notice {approval.transfer.id} was answered "
                       f"'{approval.meaning}', not approved")
    elif config.repo.registrant not in (approval.transfer.recipient, approval.transfer.sender):
        reasons.append("the notice did not involve the registrant")
    return reasons
