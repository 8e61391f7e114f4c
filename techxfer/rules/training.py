"""Training on new revisions (DESIGN 11; Hebei guideline 2.2.5, 5.1.5).

The policy's ``training:`` names, per document category, the roles whose holders must
sign ``trained`` (read and understood) for each new effective revision. Three questions,
each answered once:

1. ``record_problems``: is a training record one its signer may make, bound to the
   revision the register holds at its commit? ``verify`` asks it of every record a commit
   adds (``TrainingBook.judge``), ``techxfer train`` before it commits.
2. ``TrainingBook.batches``: a batch record (category ``batch-record``) registered citing
   (``x-uses``) a revision of a category ``training:`` names, made (``x-made-by``, else
   the commit's signer) by someone in a named role without a valid training record for
   that revision in the history of that commit: UNTRAINED.
3. ``matrix``: for one state, each person in a named role against each effective
   revision: trained when, or due since when (the revision's effective date, or the day
   the person's party acknowledged receiving it, if later). ``techxfer training`` shows
   it and ``techxfer duties`` lists the gaps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from techxfer.findings import Code, Finding, Msg, msg, term
from techxfer.format.layout import (
    TRAINING_DIR,
    PathKind,
    is_manifest,
    kind,
    parse_training_path,
    training_path,
)
from techxfer.model.manifest import DocumentEntry, entry_of
from techxfer.model.parties import Person, Signer
from techxfer.model.policy import RoleRef
from techxfer.model.training import TRAINED, TrainingRecord
from techxfer.model.transfer import Acknowledgement, Transfer
from techxfer.model.uses import MADE_BY_KEY, uses_of
from techxfer.rules.meanings import carrying_role, signers_of
from techxfer.rules.register import load_record
from techxfer.rules.wording import role_refs
from techxfer.state.config import Config
from techxfer.state.manifests import EntryPair, manifest_delta
from techxfer.state.snapshot import Snapshot

BATCH_CATEGORY = "batch-record"


# -- 1) a training record -----------------------------------------------------------------
def record_problems(record: TrainingRecord, path: str, signer: Signer | None, config: Config,
                    register: Mapping[str, DocumentEntry]) -> list[Msg]:
    """What is wrong with RECORD at PATH signed by SIGNER under CONFIG, REGISTER being the
    documents (by id) of the state that holds it. Empty when nothing is."""
    out: list[Msg] = []
    if parse_training_path(path) != record.key:
        out.append(msg("training.file_name", "the record names {named}, its file name {path} "
                       "another", named=_named(record), path=path))
    if signer is not None:
        who = f"{signer.party.id}:{signer.person.id}"
        if (signer.party.id, signer.person.id) != (record.party, record.person):
            out.append(msg("training.signed_by", "records the training of {named} but is signed "
                           "by {who}: each person signs their own", named=f"{record.party}:"
                           f"{record.person}", who=who))
        elif record.role not in signer.person.roles:
            out.append(msg("training.role_not_held", "signed as {role}, a role {who} does not "
                           "hold", role=term("role", record.role), who=who))
        elif carrying_role(config, signer.party.id, (record.role,), TRAINED) is None:
            out.append(msg("training.meaning", "{who} signs as {role}, which the policy's "
                           "meanings.trained does not name ({signers})", who=who,
                           role=term("role", record.role), signers=signers_of(config, TRAINED)))
    entry = register.get(record.document)
    if entry is None:
        out.append(msg("training.unlisted", "{id} is not in the register", id=record.document))
    elif (entry.revision, entry.sha256) != (record.revision, record.sha256):
        out.append(msg("training.revision", "trained on {id} rev {revision} {sha256}…, but the "
                       "register holds rev {listed} {listed_sha256}…", id=record.document,
                       revision=record.revision, sha256=record.sha256[:12],
                       listed=entry.revision, listed_sha256=entry.sha256[:12]))
    return out


def _named(record: TrainingRecord) -> str:
    return f"{record.document}@{record.revision} {record.party}.{record.person}"


def makers_roles(config: Config, party: str, person: Person, category: str) -> tuple[str, ...]:
    """The roles of PERSON (of PARTY) that ``training:`` names for CATEGORY."""
    return tuple(dict.fromkeys(ref.role for ref in config.policy.training_roles(category)
                               if config.party_id(ref.party) == party
                               and ref.role in person.roles))


# -- 2) the walk: records met, and batches made -------------------------------------------
@dataclass
class TrainingBook:
    """Training records found valid along the walk, by (path, blob id): a record counts for
    a batch commit only when that very content is in the batch commit's tree, so a record
    on a branch merged later (or never) does not count, nor one found invalid."""

    valid: dict[tuple[str, str], str] = field(default_factory=dict)  # (path, blob) → sha256

    def judge(self, commit: str, signer: Signer | None, config: Config | None, path: str,
              before: Snapshot, after: Snapshot,
              register: Mapping[str, DocumentEntry]) -> list[Finding]:
        """A commit adds, changes or removes a training record: added once, never changed."""
        if before.exists(path):
            return [Finding.of(Code.RECORD_DELETED, path, msg(
                "training.changed", "a training record was changed; training records are kept, "
                "never changed") if after.exists(path) else msg(
                "training.removed", "a training record was removed; training records are kept, "
                "never changed"), commit)]
        raw = load_record(after, "training", path, Code.TRAINING_INVALID, commit)
        if isinstance(raw, list):
            return raw
        record = TrainingRecord.create(raw)
        if config is None or signer is None:
            return []
        problems = record_problems(record, path, signer, config, register)
        if not problems:
            self.valid[(path, after.blob_id(path))] = record.sha256
        return [Finding.of(Code.TRAINING_INVALID, path, said, commit) for said in problems]

    def counts(self, snap: Snapshot, path: str, sha256: str | None = None) -> bool:
        """Does SNAP hold a valid training record at PATH (on content SHA256, if given)?"""
        if not snap.is_file(path):
            return False
        trained = self.valid.get((path, snap.blob_id(path)))
        return trained is not None and (sha256 is None or trained == sha256)

    def batches(self, commit: str, signer: Signer | None, config: Config | None,
                changed: Iterable[str], before: Snapshot, after: Snapshot,
                register_of: Callable[[Snapshot], Mapping[str, DocumentEntry]],
                deltas: Mapping[str, tuple[EntryPair, ...]] | None = None) -> list[Finding]:
        """Batch records this commit registers (a new entry, revision or citation list).
        REGISTER_OF gives the documents of a state by id, read only when a batch record
        changed."""
        if config is None or not config.policy.training:
            return []
        out: list[Finding] = []
        register: Mapping[str, DocumentEntry] | None = None
        for manifest in sorted(p for p in changed if is_manifest(p)):
            pairs = deltas[manifest] if deltas is not None and manifest in deltas \
                else manifest_delta(before, after, manifest)
            for old, new in pairs:
                if new is None or new.category != BATCH_CATEGORY or new.status == "destroyed":
                    continue
                if old is not None and old.revision == new.revision \
                        and uses_of(old) == uses_of(new):
                    continue
                register = register if register is not None else register_of(after)
                out += self._batch(commit, signer, config, new, after, register)
        return out

    def _batch(self, commit: str, signer: Signer | None, config: Config, batch: DocumentEntry,
               after: Snapshot, register: Mapping[str, DocumentEntry]) -> list[Finding]:
        uses = uses_of(batch)
        party = config.parties.resolve(batch.owner)
        # a maker the register cannot read names nobody: the signer does not stand in
        unread = [t.split(": ", 1)[1] for t in uses.unreadable if t.startswith(MADE_BY_KEY)]
        if uses.made_by or unread:
            makers = [(party, party.person(p) if party else None, p)
                      for p in (*uses.made_by, *unread)]
        elif signer is not None:
            makers = [(signer.party, signer.person, signer.person.id)]
        else:
            return []
        out: list[Finding] = []
        for cited in uses.cites:
            entry = entry_of(register, cited.document)
            if entry is None or not config.policy.training_roles(entry.category):
                continue  # an unknown citation is the change rules' finding
            for maker_party, person, person_id in makers:
                if maker_party is None or person is None:
                    # nobody's training can be shown for a maker the parties do not list
                    out.append(Finding.of(Code.UNTRAINED, batch.path, msg(
                        "training.unknown_maker", "{batch} rev {rev} cites {cited}, made by "
                        "{who}, who is no person of {party}: no training can be shown",
                        batch=batch.id, rev=batch.revision, cited=str(cited), who=person_id,
                        party=batch.owner), commit))
                    continue
                roles = makers_roles(config, maker_party.id, person, entry.category)
                if not roles:
                    continue
                path = training_path(cited.document, cited.revision, maker_party.id, person_id)
                # trained on the content the register holds under that revision, if it does
                if self.counts(after, path, entry.sha256 if entry.revision == cited.revision
                               else None):
                    continue
                out.append(Finding.of(Code.UNTRAINED, batch.path, msg(
                    "training.untrained", "{batch} rev {rev} cites {cited}, made by {who} ({roles}), "
                    "who has no valid training record on it in this history ({path})",
                    batch=batch.id, rev=batch.revision, cited=str(cited),
                    who=f"{maker_party.id}:{person_id}",
                    roles=role_refs(tuple(RoleRef(maker_party.id, r) for r in roles)),
                    path=path), commit))
        return out


# -- 3) the matrix of one state ------------------------------------------------------------
@dataclass(frozen=True)
class MatrixRow:
    """One person against one effective revision."""

    document: str
    revision: str
    title: str
    category: str
    party: str
    person: str
    name: str
    roles: tuple[str, ...]
    state: str  # trained | gap | awaiting (the party has not acknowledged receiving it)
    since: date | None  # due since
    trained: date | None = None
    record: str | None = None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def valid_on(person: Person, day: date) -> bool:
    """A person counts on DAY when one of their keys is valid on it (or they have none
    with a window: their role stands as ``parties.yaml`` gives it)."""
    if not person.keys:
        return True
    start = datetime.combine(day, time.min, tzinfo=UTC)
    end = datetime.combine(day, time.max, tzinfo=UTC)
    return any((k.valid_from is None or k.valid_from <= end)
               and (k.valid_until is None or k.valid_until >= start) for k in person.keys)


def received_on(entry: DocumentEntry, party: str, transfers: Mapping[str, Transfer],
                acks: Mapping[tuple[str, str], Acknowledgement], as_of: date) -> date | None:
    """The first day PARTY acknowledged (not rejected) a transfer carrying ENTRY's
    revision, up to AS_OF; None when it has not."""
    days = [ack.date.date() for tx in transfers.values() if tx.recipient == party
            and any((i.id, i.revision, i.sha256) == (entry.id, entry.revision, entry.sha256)
                    and i.action != "withdraw" for i in tx.items)
            and (ack := acks.get((tx.id, party))) is not None and ack.meaning != "rejected"
            and ack.date.date() <= as_of]
    return min(days, default=None)


def matrix(config: Config, register: Iterable[DocumentEntry], records: Iterable[TrainingRecord],
           transfers: Mapping[str, Transfer], acks: Mapping[tuple[str, str], Acknowledgement],
           as_of: date) -> list[MatrixRow]:
    """Every person in a named role against every effective revision of a named category,
    as of AS_OF."""
    trained: dict[tuple[str, str, str, str], TrainingRecord] = {}
    for record in sorted(records, key=lambda r: r.date):
        if record.date.date() <= as_of:
            trained.setdefault(record.key, record)
    out: list[MatrixRow] = []
    for entry in sorted(register, key=lambda e: e.id):
        refs = config.policy.training_roles(entry.category)
        effective = _day(entry.date("effective"))
        if not refs or entry.status != "effective" or (effective and effective > as_of):
            continue
        owner = config.party_id(entry.owner)
        for party in config.parties:
            for person in party.people:
                roles = makers_roles(config, party.id, person, entry.category)
                if not roles or not valid_on(person, as_of):
                    continue
                since = effective or _day(entry.date("created"))
                state = "gap"
                if party.id != owner:
                    got = received_on(entry, party.id, transfers, acks, as_of)
                    if got is None:
                        state, since = "awaiting", None
                    else:
                        since = max(since, got) if since else got
                found = trained.get((entry.id, entry.revision, party.id, person.id))
                done = found is not None and found.sha256 == entry.sha256
                out.append(MatrixRow(
                    entry.id, entry.revision, entry.title, entry.category, party.id, person.id,
                    person.name, roles, "trained" if done else state, since,
                    found.date.date() if done and found else None,
                    training_path(entry.id, entry.revision, party.id, person.id) if done else None))
    return out


def records_of(snap: Snapshot) -> list[TrainingRecord]:
    """The training records of a state as their files say (who signed them is the audit's
    business), oldest first."""
    out = []
    for path in snap.paths_under(TRAINING_DIR):
        if kind(path) is PathKind.TRAINING:
            out.append(TrainingRecord.create(snap.load("training", path)))
    return sorted(out, key=lambda r: (r.date, r.key))
