"""Recurring quality duties: who may sign a duty record, and what is due when (DESIGN 11).

Two questions, each answered once:

1. ``record_problems``: is a duty record (``audits/<AUD-ID>.yaml``) one its signer may make
   and does it agree with the register? ``verify`` asks it of every record a commit adds
   (through ``judge_change``), ``techxfer duty record`` before it commits.
2. ``due``: from the records, the register and the transfers of one state, what each
   party owes and by when, each line citing the clause that asks for it:

   - the registrant audits the manufacturer's quality system at least once a year
     (Hebei guideline 1.1.2): due twelve months after the last audit, or after the
     agreement started (the trust root's date);
   - each party inspects its own quality system every year and reports to the authority
     by 31 March of the next year (Hebei 1.1.11, SAMR Order 53 art. 45);
   - the quality agreement is evaluated every year (Hebei 4.1.2);
   - each effective document of a category the policy names in ``review_every_months``
     is reviewed that often, counted from its last review, else its ``effective`` or
     ``created`` date, else the last transfer that carried its revision;
   - each transfer is acknowledged within ``repo.yaml`` ``ack_within_days`` (a report of a
     quality event within its type's days, ``ack_within_days_by_type``) (Hebei 1.1.4,
     Shanghai guide 4.4.2);
   - each person in a role the policy's ``training:`` names is trained on each effective
     revision of its categories, from its effective date or the day their party
     acknowledged receiving it (Hebei 2.2.5, 5.1.5; the gaps of ``rules.training.matrix``).
"""

from __future__ import annotations

import calendar
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar, overload

from techxfer.findings import Code, Finding, Msg, msg, term
from techxfer.format.layout import duty_path
from techxfer.model.duties import DutyRecord
from techxfer.model.manifest import DocumentEntry
from techxfer.model.parties import Signer
from techxfer.model.training import TrainingRecord
from techxfer.model.transfer import Acknowledgement, Transfer
from techxfer.rules.authorisation import holds_role
from techxfer.rules.register import load_record
from techxfer.rules.wording import role_refs
from techxfer.state.config import Config
from techxfer.state.manifests import manifest_index
from techxfer.state.snapshot import Snapshot

CLAUSES = {
    "supplier-audit": "H 1.1.2",
    "self-inspection": "H 1.1.11; SAMR 53 art. 45",
    "agreement-review": "H 4.1.2",
    "document-review": "GMP art. 43; ISO 13485 4.2.4",
    "acknowledgement": "H 1.1.4; S 4.4.2",
    "training": "H 2.2.5; H 5.1.5",
}
# The clause that sets how fast a report of a quality event is acknowledged.
EVENT_CLAUSES = {
    "deviation": "H 7.2.6; S A9.1.1",
    "complaint": "H 9.2.2; S A9.3.2",
    "adverse-event": "H 11.2.1",
    "quality-data": "H 11.2.1",
    "inspection-report": "S A4.4",
}
_T = TypeVar("_T")
# How far ahead a duty not yet due is shown as "due" rather than "upcoming".
HORIZON_DAYS = 60


# -- 1) a duty record ---------------------------------------------------------------------
def record_problems(record: DutyRecord, path: str, signer: Signer | None, config: Config,
                    register: Mapping[str, DocumentEntry]) -> list[tuple[Code, Msg]]:
    """What is wrong with RECORD at PATH signed by SIGNER under CONFIG, REGISTER being the
    documents (by id) of the state that holds it. Empty when nothing is."""
    out: list[tuple[Code, Msg]] = []
    if path != duty_path(record.id):
        out.append((Code.TRANSFER_INVALID, msg(
            "record.id_file", "the record's id differs from its file name {path}", path=path)))
    if signer is not None:
        who = f"{signer.party.id}:{signer.person.id}"
        roles = config.policy.roles_for_duty(record.kind)
        if (signer.party.id, signer.person.id) != (record.party, record.signer):
            out.append((Code.UNAUTHORIZED_CHANGE, msg(
                "record.made_by", "recorded as made by {named} but signed by {who}",
                named=f"{record.party}:{record.signer}", who=who)))
        elif record.role not in signer.person.roles:
            out.append((Code.UNAUTHORIZED_CHANGE, msg(
                "duty.role_not_held", "signed as {role}, a role {who} does not hold",
                role=term("role", record.role), who=who)))
        elif holds_role(config, signer, tuple(r for r in roles if r.role == record.role)) is None:
            allowed = role_refs(roles) if roles else msg("auth.nobody", "nobody")
            out.append((Code.UNAUTHORIZED_CHANGE, msg(
                "duty.not_allowed", "a {kind} record is signed by {allowed}, not {who} as {role}",
                kind=term("duty", record.kind), allowed=allowed, who=who,
                role=term("role", record.role))))
    if record.kind == "supplier-audit":
        subject = config.parties.resolve(record.subject or "")
        if subject is None:
            out.append((Code.TRANSFER_INVALID, msg(
                "duty.subject_unknown", "the audited party {subject} is no party",
                subject=record.subject)))
        elif subject.id == record.party:
            out.append((Code.TRANSFER_INVALID, msg(
                "duty.subject_own", "an audit of the other party's quality system names its own "
                "party ({party}) as audited", party=subject.id)))
    signed = record.date.date()
    if record.performed > signed + timedelta(days=1):
        out.append((Code.TIME_INCONSISTENT, msg(
            "duty.performed_after", "performed {performed}, after the record was signed "
            "({signed})", performed=record.performed, signed=signed)))
    if record.submitted is not None and record.submitted > signed + timedelta(days=1):
        out.append((Code.TIME_INCONSISTENT, msg(
            "duty.submitted_after", "submitted {submitted}, after the record was signed "
            "({signed})", submitted=record.submitted, signed=signed)))
    if record.period is not None and record.period > record.performed.year:
        out.append((Code.TRANSFER_INVALID, msg(
            "duty.period", "a record for {period} performed in {year}, before that year began",
            period=record.period, year=record.performed.year)))
    if record.report is not None and record.report not in register:
        out.append((Code.TRANSFER_INVALID, msg(
            "duty.report_unlisted", "the report {report} is not in the register",
            report=record.report)))
    for doc in record.documents:
        entry = register.get(doc.id)
        if entry is None:
            out.append((Code.TRANSFER_INVALID, msg(
                "duty.document_unlisted", "reviewed document {id} is not in the register",
                id=doc.id)))
        elif entry.revision != doc.revision:
            out.append((Code.TRANSFER_INVALID, msg(
                "duty.document_revision", "reviewed {id} rev {revision}, but the register holds "
                "rev {listed}", id=doc.id, revision=doc.revision, listed=entry.revision)))
    return out


class Register(Mapping[str, DocumentEntry]):
    """Every document of a state by id, the first of a duplicated id (DUPLICATE_ID is the
    register checks' finding): each manifest's index (memoised by blob), in the order of the
    manifests' paths. A look-up asks the indexes in turn; only iterating merges them (once),
    so a rule that looks up a few ids in a state that differs from the last in a manifest
    or two costs a few dict look-ups, not a register."""

    __slots__ = ("_indexes", "_whole")

    def __init__(self, indexes: list[Mapping[str, DocumentEntry]]) -> None:
        self._indexes = indexes
        self._whole: dict[str, DocumentEntry] | None = None

    @overload
    def get(self, doc_id: str, /) -> DocumentEntry | None: ...

    @overload
    def get(self, doc_id: str, /, default: DocumentEntry | _T) -> DocumentEntry | _T: ...

    def get(self, doc_id: str, /, default: object = None) -> object:
        for index in self._indexes:
            entry = index.get(doc_id)
            if entry is not None:
                return entry
        return default

    def __getitem__(self, doc_id: str) -> DocumentEntry:
        entry = self.get(doc_id)
        if entry is None:
            raise KeyError(doc_id)
        return entry

    def __contains__(self, doc_id: object) -> bool:
        return any(doc_id in index for index in self._indexes)

    def whole(self) -> dict[str, DocumentEntry]:
        """The register as one dict (built once; not to be changed)."""
        if self._whole is None:
            out: dict[str, DocumentEntry] = {}
            for index in self._indexes:
                if out.keys().isdisjoint(index):
                    out.update(index)
                else:  # an id listed in two manifests: the first manifest's entry wins
                    for doc_id, entry in index.items():
                        out.setdefault(doc_id, entry)
            self._whole = out
        return self._whole

    def __iter__(self) -> Iterator[str]:
        return iter(self.whole())

    def __len__(self) -> int:
        return len(self.whole())

    def keys(self) -> KeysView[str]:
        return self.whole().keys()

    def values(self) -> ValuesView[DocumentEntry]:
        return self.whole().values()

    def items(self) -> ItemsView[str, DocumentEntry]:
        return self.whole().items()


def register_of(snap: Snapshot) -> Register:
    """Every document of a state by id (the first of a duplicated id: DUPLICATE_ID is the
    register checks' finding), read from each manifest's memoised index (by blob), so a
    state that differs from the last in one manifest costs a manifest, not a register."""
    return Register([manifest_index(snap, manifest) for manifest in sorted(snap.manifest_set)])


def judge_change(commit: str, signer: Signer | None, config: Config | None, path: str,
                 before: Snapshot, after: Snapshot) -> list[Finding]:
    """A commit adds, changes or removes a duty record: added once, never changed."""
    if before.exists(path):
        return [Finding.of(Code.RECORD_DELETED, path, msg(
            "duty.changed", "a duty record was changed; records of audits, inspections and "
            "reviews are kept, never changed") if after.exists(path) else msg(
            "duty.removed", "a duty record was removed; records of audits, inspections and "
            "reviews are kept, never changed"), commit)]
    raw = load_record(after, "duty", path, Code.TRANSFER_INVALID, commit)
    if isinstance(raw, list):
        return raw
    record = DutyRecord.create(raw)
    if config is None:
        return []
    problems = record_problems(record, path, signer, config, register_of(after))
    return [Finding.of(code, path, msg("record.about", "{id}: {detail}", id=record.id,
                                       detail=said), commit) for code, said in problems]


# -- 2) what is due -----------------------------------------------------------------------
@dataclass(frozen=True)
class Duty:
    """One thing a party owes: done (by a record), or due or overdue on a date."""

    kind: str
    party: str       # who owes it
    subject: str     # what: a year, a party audited, a document and revision, a transfer
    due: date
    state: str       # done | late (done after it was due) | overdue | due | upcoming
    clause: str
    record: str | None = None  # the record that did it
    done: date | None = None  # when, as the record says (performed, or submitted)
    recorded: date | None = None  # when the record was signed

    @property
    def open(self) -> bool:
        return self.state in ("overdue", "due", "upcoming")


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _open_state(due_on: date, as_of: date) -> str:
    if as_of > due_on:
        return "overdue"
    return "due" if (due_on - as_of).days <= HORIZON_DAYS else "upcoming"


def _yearly(kind: str, party: str, subject: str, start: date, done: Iterable[DutyRecord],
            as_of: date) -> list[Duty]:
    """A duty owed at least every twelve months from START: each record met in time (or
    late), then the next one."""
    out: list[Duty] = []
    due_on = add_months(start, 12)
    for record in sorted(done, key=lambda r: r.performed):
        if record.performed > as_of:
            continue
        state = "done" if record.performed <= due_on else "late"
        out.append(Duty(kind, party, subject, due_on, state, CLAUSES[kind], record.id,
                        record.performed, record.date.date()))
        due_on = add_months(record.performed, 12)
    out.append(Duty(kind, party, subject, due_on, _open_state(due_on, as_of), CLAUSES[kind]))
    return out


def _self_inspections(party: str, start: date, records: Iterable[DutyRecord],
                      as_of: date) -> list[Duty]:
    by_year: dict[int, DutyRecord] = {}
    for record in sorted(records, key=lambda r: (r.submitted or r.performed)):
        if record.period is not None:
            by_year.setdefault(record.period, record)
    out = []
    for year in range(start.year, as_of.year + 1):
        due_on = date(year + 1, 3, 31)
        found = by_year.get(year)
        submitted = found.submitted if found is not None else None
        if found is not None and submitted is not None and submitted <= as_of:
            out.append(Duty("self-inspection", party, str(year), due_on,
                            "done" if submitted <= due_on else "late", CLAUSES["self-inspection"],
                            found.id, submitted, found.date.date()))
        else:
            out.append(Duty("self-inspection", party, str(year), due_on,
                            _open_state(due_on, as_of), CLAUSES["self-inspection"]))
    return out


def _document_reviews(config: Config, register: Iterable[DocumentEntry],
                      reviews: Iterable[DutyRecord], transfers: Iterable[Transfer],
                      start: date, as_of: date) -> list[Duty]:
    months = dict(config.policy.review_every_months)
    if not months:
        return []
    reviewed: dict[tuple[str, str], DutyRecord] = {}
    for record in sorted(reviews, key=lambda r: r.performed):
        if record.performed <= as_of:
            for doc in record.documents:
                reviewed[(doc.id, doc.revision)] = record
    carried: dict[tuple[str, str], date] = {}
    for tx in sorted(transfers, key=lambda t: t.date):
        for item in tx.items:
            carried[(item.id, item.revision)] = tx.date.date()
    out = []
    for entry in sorted(register, key=lambda e: e.id):
        every = months.get(entry.category)
        if every is None or entry.status != "effective":
            continue
        key = (entry.id, entry.revision)
        last = reviewed.get(key)
        since_text = entry.date("effective") or entry.date("created")
        since = last.performed if last is not None else (
            date.fromisoformat(since_text) if since_text else carried.get(key, start))
        due_on = add_months(since, every)
        owner = config.party_id(entry.owner) or entry.owner
        out.append(Duty("document-review", owner, f"{entry.id} rev {entry.revision}", due_on,
                        _open_state(due_on, as_of), CLAUSES["document-review"],
                        last.id if last is not None else None,
                        last.performed if last is not None else None,
                        last.date.date() if last is not None else None))
    return out


def _acknowledgements(config: Config, transfers: Mapping[str, Transfer],
                      acks: Mapping[tuple[str, str], Acknowledgement], as_of: date) -> list[Duty]:
    out = []
    for tx in sorted(transfers.values(), key=lambda t: t.date):
        if tx.date.date() > as_of:
            continue
        due_on = tx.due(config.repo).date()
        ack = acks.get((tx.id, tx.recipient))
        if ack is not None and ack.date.date() <= as_of:
            continue  # acknowledged: the transfer list shows when and how
        out.append(Duty("acknowledgement", tx.recipient, f"{tx.id} ({tx.type})", due_on,
                        _open_state(due_on, as_of),
                        EVENT_CLAUSES.get(tx.type, CLAUSES["acknowledgement"])))
    return out


def _training(config: Config, register: Iterable[DocumentEntry],
              records: Iterable[TrainingRecord], transfers: Mapping[str, Transfer],
              acks: Mapping[tuple[str, str], Acknowledgement], as_of: date) -> list[Duty]:
    from techxfer.rules.training import matrix  # it reads the register as this module does

    return [Duty("training", row.party, f"{row.document} rev {row.revision}: {row.person}",
                 row.since or as_of, _open_state(row.since or as_of, as_of), CLAUSES["training"])
            for row in matrix(config, register, records, transfers, acks, as_of)
            if row.state == "gap"]


def due(config: Config, as_of: date, start: date, records: Iterable[DutyRecord],
        register: Iterable[DocumentEntry], transfers: Mapping[str, Transfer],
        acks: Mapping[tuple[str, str], Acknowledgement],
        training: Iterable[TrainingRecord] | None = None) -> list[Duty]:
    """Every duty of the pair as of AS_OF, the agreement having started on START; with
    TRAINING (the state's training records), the training gaps too."""
    register = list(register)
    records = [r for r in records if r.performed <= as_of]
    registrant = config.party_id("registrant") or "registrant"
    manufacturer = config.party_id("manufacturer") or "manufacturer"
    out: list[Duty] = []
    out += _yearly("supplier-audit", registrant, manufacturer, start,
                   [r for r in records if r.kind == "supplier-audit"
                    and config.party_id(r.subject or "") == manufacturer], as_of)
    for party in (registrant, manufacturer):
        out += _self_inspections(party, start, [r for r in records if r.kind == "self-inspection"
                                                and r.party == party], as_of)
    out += _yearly("agreement-review", registrant, "quality agreement", start,
                   [r for r in records if r.kind == "agreement-review"], as_of)
    out += _document_reviews(config, register, [r for r in records if r.kind == "document-review"],
                             transfers.values(), start, as_of)
    out += _acknowledgements(config, transfers, acks, as_of)
    if training is not None:
        out += _training(config, register, training, transfers, acks, as_of)
    return out
