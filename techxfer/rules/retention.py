"""Retention: when a record's keeping period ends, holds, and whether it may go now.

A class combines rules; the longest applicable wins. A rule whose starting event has
not happened yet (no ``obsolete`` date on an effective document) keeps the record: its
clock has not started. A rule on the device lifetime with no lifetime set in
``repo.yaml`` cannot be computed and so also keeps the record. Years are added as
calendar years; from 29 February the end falls on 1 March (never earlier than N years).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from techxfer.findings import Msg, msg, term
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
    basis: Msg  # how the end was found, or why there is none yet

    @property
    def reason(self) -> str:
        return self.basis.text


def retention_end(entry: DocumentEntry, cls: RetentionClass, lifetime: int | None) -> RetentionEnd:
    if cls.permanent:
        return RetentionEnd(None, True, msg("retention.permanent", "kept permanently"))
    if not cls.rules:
        return RetentionEnd(None, False, msg("retention.no_rule", "class {cls} has no rule; kept "
                                             "until a rule is set", cls=cls.id))
    ends: list[tuple[date, str, Msg]] = []
    for rule in cls.rules:
        years = rule.years if rule.years is not None else lifetime
        label = msg("retention.years", "{n} years", n=rule.years) if rule.years is not None \
            else msg("retention.lifetime", "the device lifetime")
        if years is None:
            return RetentionEnd(None, False, msg("retention.no_lifetime", "the device lifetime is "
                                                 "not set in repo.yaml"))
        started = entry.date(rule.event)
        if started is None:
            return RetentionEnd(None, False, msg(
                "retention.waiting", "waiting for its {event} date ({period} from it)",
                event=term("date", rule.event), period=label))
        basis = msg("retention.from", "{period} from {event} {date}", period=label,
                    event=term("date", rule.event), date=started)
        ends.append((add_years(date.fromisoformat(started), years), basis.text, basis))
    end, _, why = max(ends)
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
    standing: str = "current"  # or "superseded": an older revision, kept in Git history
    replaced_by: str | None = None  # the revision that superseded it
    replaced_commit: str | None = None

    @property
    def status(self) -> str:
        """The register status, or ``superseded`` for an older revision."""
        return self.entry.status if self.standing == "current" else "superseded"

    def as_json(self) -> dict[str, object]:
        e = self.entry
        return {
            "id": e.id, "path": e.path, "title": e.title, "revision": e.revision,
            "status": self.status, "class": self.retention_class, "dates": dict(e.dates),
            "end": self.end.end.isoformat() if self.end.end else None,
            "permanent": self.end.permanent, "basis": self.end.reason, "state": self.state,
            "holds": list(self.holds), "standing": self.standing,
            "replaced_by": self.replaced_by, "replaced_commit": self.replaced_commit,
        }


def assess(entry: DocumentEntry, config: Config, as_of: datetime,
           released: Mapping[str, str] | None = None) -> RecordRetention:
    """RELEASED: document id → day of its batch's market release (rules.release.release_dates)."""
    entry = released_on(entry, released) if released else entry
    cls = config.retention.classes.get(entry.retention)
    if cls is None:
        end = RetentionEnd(None, False, msg("retention.unknown_class", "unknown class {cls}",
                                            cls=entry.retention))
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


def assess_superseded(entry: DocumentEntry, replaced_by: str, replaced_commit: str,
                      replaced_on: date, config: Config, as_of: datetime) -> RecordRetention:
    """An older revision, judged as a record of its own: its content stays in the history,
    and its retention runs from its own dates. It stopped being in force when it was
    replaced, so that is its ``obsolete`` date unless the register gave an earlier one
    (a class counted from ``obsolete`` would otherwise never start for it). It can be held
    like any record; it is never ``destroyed``, since ``dispose`` removes only the tree's
    file, so ``dispose`` of the record leaves it where it is."""
    dates = dict(entry.dates)
    dates.setdefault("obsolete", replaced_on.isoformat())
    older = replace(entry, dates=tuple(sorted(dates.items())), status="obsolete")
    return replace(assess(older, config, as_of), standing="superseded",
                   replaced_by=replaced_by, replaced_commit=replaced_commit)


def under_hold(hold_ids: Iterable[str]) -> Msg:
    """The words for a record frozen by these holds (the same wherever it is refused)."""
    return msg("disposal.held", "under legal hold {holds}", holds=", ".join(hold_ids))


@dataclass(frozen=True)
class NoticeApproval:
    """The disposal notice that lists a record, and how the other party answered it."""

    transfer: Transfer
    meaning: str | None  # None: not acknowledged yet
    transfer_commit: str | None = None
    ack_commit: str | None = None


@dataclass(frozen=True)
class Blocker:
    """One reason a record may not be destroyed, and which part of the rule it comes from:
    ``destroyed``, ``held``, ``permanent``, ``undetermined``, ``retained`` (its end not
    reached yet) or ``notice`` (no approved disposal notice)."""

    kind: str
    said: Msg

    @property
    def text(self) -> str:
        return self.said.text


def blockers(entry: DocumentEntry, config: Config, as_of: datetime,
             approval: NoticeApproval | None,
             released: Mapping[str, str] | None = None) -> list[Blocker]:
    """Why this record may not be destroyed at AS_OF; empty when it may (DESIGN 6).

    The one answer to "may this record be destroyed?": ``dispose request`` asks it before
    sending a notice (the notice part aside), ``retention check`` and ``dispose`` before
    acting, the retention report for each superseded revision, and ``verify`` of every
    destruction in the history (with the holds in force before that commit). RELEASED: as
    for ``assess``, the days batches were released to market."""
    retention = assess(entry, config, as_of, released)
    out: list[Blocker] = []
    if retention.state == "destroyed":
        out.append(Blocker("destroyed", msg("disposal.already", "already destroyed")))
    if retention.state == "held":
        out.append(Blocker("held", under_hold(retention.holds)))
    if retention.end.permanent:
        out.append(Blocker("permanent", msg("disposal.permanent", "class {cls}: kept permanently",
                                            cls=retention.retention_class)))
    elif retention.end.end is None:
        out.append(Blocker("undetermined", msg("disposal.end_unknown",
                                               "retention end not determined: {why}",
                                               why=retention.end.basis)))
    elif as_of.date() < retention.end.end:
        out.append(Blocker("retained", msg("disposal.retained", "retained until {end} ({why})",
                                           end=retention.end.end, why=retention.end.basis)))
    if approval is None:
        out.append(Blocker("notice", msg("disposal.no_notice", "no disposal notice lists it "
                                         "(techxfer dispose request)")))
    elif approval.meaning is None:
        out.append(Blocker("notice", msg("disposal.unanswered", "disposal notice {notice} is not "
                                         "answered yet", notice=approval.transfer.id)))
    elif approval.meaning != "approved":
        out.append(Blocker("notice", msg("disposal.answered", "disposal notice {notice} was "
                                         "answered '{meaning}', not approved",
                                         notice=approval.transfer.id, meaning=approval.meaning)))
    elif config.repo.registrant not in (approval.transfer.recipient, approval.transfer.sender):
        out.append(Blocker("notice", msg("disposal.no_registrant",
                                         "the notice did not involve the registrant")))
    return out


def destruction_blockers(entry: DocumentEntry, config: Config, as_of: datetime,
                         approval: NoticeApproval | None,
                         released: Mapping[str, str] | None = None) -> list[str]:
    """``blockers`` in words: why this record may not be destroyed at AS_OF."""
    return [b.text for b in blockers(entry, config, as_of, approval, released)]


def destruction_reasons(entry: DocumentEntry, config: Config, as_of: datetime,
                        approval: NoticeApproval | None,
                        released: Mapping[str, str] | None = None) -> list[Msg]:
    """``blockers`` by message id, for a report in another language."""
    return [b.said for b in blockers(entry, config, as_of, approval, released)]
