"""``techxfer duties`` and ``techxfer people``: what is due, and who held which key
position when (DESIGN section 11).

``duties`` reads one committed state (HEAD): its duty records, register and transfers;
the rules of what is due are ``rules.duties``. ``people`` walks the history with the
audit, so a role counts from when its configuration came in force (an approved change),
not from when someone wrote it down.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from techxfer.audit.walk import Auditor, trust_root
from techxfer.model.parties import KNOWN_ROLES
from techxfer.model.times import from_git_time
from techxfer.reports.i18n import term
from techxfer.reports.i18n import word as catalogue_word
from techxfer.reports.text import cell, shown
from techxfer.rules.duties import HORIZON_DAYS, Duty, due, register_of
from techxfer.state.config import Config
from techxfer.state.records import committed, load_duty_records, load_records
from techxfer.state.workspace import Workspace

# The key positions of a medical-device company (Hainan measures 1-13, GMP arts. 14, 17-22).
KEY_POSITIONS = KNOWN_ROLES[:6]

# -- duties -------------------------------------------------------------------------------
@dataclass
class DutiesReport:
    commit: str
    as_of: date
    start: date
    duties: list[Duty] = field(default_factory=list)

    def open_duties(self) -> list[Duty]:
        return [d for d in self.duties if d.open]

    def as_json(self) -> dict[str, Any]:
        return {"report": "duties", "commit": self.commit, "as_of": self.as_of.isoformat(),
                "agreement_start": self.start.isoformat(),
                "duties": [{"kind": d.kind, "party": d.party, "subject": d.subject,
                            "due": d.due.isoformat(), "state": d.state, "clause": d.clause,
                            "record": d.record,
                            "done": d.done.isoformat() if d.done else None,
                            "recorded": d.recorded.isoformat() if d.recorded else None}
                           for d in self.duties]}


def agreement_start(ws: Workspace, commit: str) -> date:
    """The day the pair's history starts: the trust root's date."""
    root = trust_root(ws.repo, commit, None)
    info = ws.repo.commit_info(root)
    return from_git_time(info.commit_time, info.commit_offset).date()


def word(key: str, lang: str, **kwargs: object) -> str:
    return catalogue_word(f"duties.{key}", lang, **kwargs)


def build_duties(ws: Workspace, as_of: date) -> DutiesReport:
    from techxfer.rules.training import records_of as training_records_of

    commit, snap, config = committed(ws)
    records = load_records(snap)
    start = agreement_start(ws, commit)
    register = register_of(snap).values()
    duties = due(config, as_of, start, load_duty_records(snap), register, records.transfers,
                 records.acks, training=training_records_of(snap))
    ws.cache.flush()  # what was parsed is kept (user cache dir) for the next run
    return DutiesReport(commit, as_of, start, duties)


def shown_duties(report: DutiesReport, show_all: bool = False) -> list[Duty]:
    """The lines the report shows, most urgent first: every open duty (a periodic document
    review only once it is due), and of the past only each duty's last completion and the
    late ones; SHOW_ALL: every line."""
    rows = report.duties if show_all else [d for d in report.duties if d.state != "upcoming"
                                           or d.kind not in ("document-review",)]
    if not show_all:  # the past: only the last completion of each duty, and late ones
        last: dict[tuple[str, str, str], Duty] = {}
        for d in rows:
            if not d.open:
                last[(d.kind, d.party, d.subject)] = d
        rows = [d for d in rows if d.open or d.state == "late" or
                last.get((d.kind, d.party, d.subject)) is d]
    order = {"overdue": 0, "due": 1, "upcoming": 2, "late": 3, "done": 4}
    return sorted(rows, key=lambda d: (order[d.state], d.due, d.kind, d.subject))


def done_text(d: Duty, lang: str) -> str:
    """The record that did a duty, with when (and when it was recorded, if later)."""
    done = f"{d.record} ({d.done.isoformat()}" if d.record and d.done else ""
    if done and d.recorded and d.recorded != d.done:
        done += f", {word('recorded', lang, on=d.recorded.isoformat())}"
    return done + (")" if done else "")


def summary(report: DutiesReport, lang: str) -> str:
    overdue = sum(d.state == "overdue" for d in report.duties)
    soon = sum(d.state == "due" for d in report.duties)
    return (word("open", lang, overdue=overdue, due=soon, days=HORIZON_DAYS) if overdue or soon
            else word("none_open", lang))


def render_duties(report: DutiesReport, fmt: str, lang: str, echo: Callable[[str], None],
                  show_all: bool = False) -> None:
    if fmt == "json":
        echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return
    echo(word("title", lang, as_of=report.as_of.isoformat(), commit=report.commit[:10],
              start=report.start.isoformat()))
    echo(" | ".join(word("header", lang).split("|")))
    for d in shown_duties(report, show_all):
        echo(" | ".join([word(d.state, lang), d.due.isoformat(), word(d.kind, lang),
                         cell(d.party), cell(d.subject), cell(done_text(d, lang)), d.clause]))
    echo(summary(report, lang))
    echo(word("unverified", lang))


# -- people -------------------------------------------------------------------------------
@dataclass
class Change:
    when: datetime
    commit: str
    party: str
    position: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass
class PeopleReport:
    as_of: datetime
    start: datetime | None
    in_force: tuple[datetime, str, Config] | None
    changes: list[Change] = field(default_factory=list)

    def holders(self) -> list[tuple[str, str, list[str]]]:
        """(party, position, holders' names) in the configuration in force."""
        if self.in_force is None:
            return []
        config = self.in_force[2]
        return [(party.id, position, [f"{p.name} ({p.id})" for p in party.people
                                      if position in p.roles])
                for party in config.parties for position in KEY_POSITIONS]

    def as_json(self) -> dict[str, Any]:
        return {
            "report": "people", "as_of": self.as_of.isoformat(timespec="seconds"),
            "in_force_since": self.in_force[0].isoformat(timespec="seconds") if self.in_force else None,
            "commit": self.in_force[1] if self.in_force else None,
            "positions": [{"party": party, "position": position, "holders": names}
                          for party, position, names in self.holders()],
            "changes": [{"date": c.when.isoformat(timespec="seconds"), "commit": c.commit,
                         "party": c.party, "position": c.position, "added": list(c.added),
                         "removed": list(c.removed)} for c in self.changes],
        }


def _holders(config: Config) -> dict[tuple[str, str], tuple[str, ...]]:
    return {(party.id, position): tuple(sorted(f"{p.name} ({p.id})" for p in party.people
                                               if position in p.roles))
            for party in config.parties for position in KEY_POSITIONS}


def build_people(ws: Workspace, as_of: datetime) -> PeopleReport:
    """Walk the history (the audit's own reading of which configuration is in force
    when) and take the one in force at AS_OF, with every change of holders up to then."""
    result = Auditor(ws.repo, ws.cache).run("HEAD", save=False)
    timeline = sorted(result.configs, key=lambda c: c[0])
    report = PeopleReport(as_of, timeline[0][0] if timeline else None, None)
    previous: dict[tuple[str, str], tuple[str, ...]] = {}
    for when, commit, config in timeline:
        if when > as_of:
            break
        now_held = _holders(config)
        for key in sorted(set(previous) | set(now_held)):
            before, after = previous.get(key, ()), now_held.get(key, ())
            if before != after and (previous or after):
                report.changes.append(Change(when, commit, key[0], key[1],
                                             tuple(n for n in after if n not in before),
                                             tuple(n for n in before if n not in after)))
        previous = now_held
        report.in_force = (when, commit, config)
    return report


def render_people(report: PeopleReport, fmt: str, lang: str, echo: Callable[[str], None]) -> None:
    if fmt == "json":
        echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return
    if report.in_force is None:
        start = report.start.isoformat(timespec="seconds") if report.start else "-"
        echo(word("before_first", lang, as_of=report.as_of.isoformat(timespec="seconds"),
                  start=start))
        return
    when, commit, _ = report.in_force
    echo(word("people_title", lang, as_of=report.as_of.isoformat(timespec="seconds"),
              since=when.isoformat(timespec="seconds"), commit=commit[:10]))
    echo(" | ".join(word("people_header", lang).split("|")))
    for party, position, names in report.holders():
        echo(" | ".join([cell(party), term("role", position, lang),
                         shown(", ".join(names)) if names else word("vacant", lang)]))
    if report.changes:
        echo(word("changes", lang))
        for c in report.changes:
            moves = [f"+{n}" for n in c.added] + [f"-{n}" for n in c.removed]
            echo(f"  {c.when.isoformat(timespec='seconds')} {c.commit[:10]} {cell(c.party)} "
                 f"{term('role', c.position, lang)}: {shown(' '.join(moves))}")
