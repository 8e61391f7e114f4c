"""``techxfer approve`` and ``techxfer implemented`` (DESIGN 11 lifecycle and changes).

``approve`` signs a draft revision as its owner's approver: the approval record
(``approvals/<DOC-ID>@<REV>.yaml``) and the register entry made ``effective`` on a date,
in one signed commit. ``implemented`` confirms that an approved change request is in use,
from a first batch on (``transfers/<TX-ID>/implemented.yaml``). Each record is judged by
the rule ``verify`` uses (``rules.lifecycle``) before anything is written; a refusal
leaves tree and index as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from techxfer.commands.init import render
from techxfer.commands.transfer import current_signer, require_policy_owner
from techxfer.errors import RefusedError, UsageError
from techxfer.findings import listing, msg, several, term
from techxfer.format import yamlio
from techxfer.format.fileio import Transaction
from techxfer.format.layout import (
    ack_path,
    approval_path,
    implementation_path,
    transfer_path,
)
from techxfer.git.signing import index_guard, signed_commit
from techxfer.model.approval import APPROVED, IMPLEMENTED, Implementation, RevisionApproval
from techxfer.model.manifest import DocumentEntry
from techxfer.model.parties import Signer
from techxfer.model.release import BATCH_NUMBER
from techxfer.model.times import now
from techxfer.model.transfer import CHANGE_REQUEST, Transfer
from techxfer.rules.duties import register_of
from techxfer.rules.lifecycle import (
    approval_problems,
    approver_problem,
    implementation_problems,
    implementer,
)
from techxfer.rules.meanings import acknowledged, carrying_role, meaning_problem
from techxfer.rules.records import Sent
from techxfer.state.config import Config
from techxfer.state.records import committed, load_records
from techxfer.state.snapshot import Snapshot
from techxfer.state.workspace import Workspace


@dataclass(frozen=True)
class Approved:
    record: RevisionApproval
    path: str
    commit: str
    signer: Signer


def approve(ws: Workspace, doc_id: str, *, revision: str | None = None,
            effective: date | None = None, comment: str | None = None,
            when: datetime | None = None) -> Approved:
    when = when or now()
    _, snap, config = committed(ws)
    entry = register_of(snap).get(doc_id)
    if entry is None:
        raise UsageError(msg("refuse.unknown_id_head", "unknown document id {id!r} (not in the "
                             "register at HEAD)", id=doc_id))
    if revision is not None and revision != entry.revision:
        raise UsageError(msg("refuse.other_revision", "--revision {asked}: the register holds "
                             "{id} rev {revision}", asked=revision, id=doc_id,
                             revision=entry.revision))
    require_policy_owner(config, entry)
    signer = current_signer(ws, config, when)
    problem = approver_problem(config, signer, entry)
    if problem is not None:
        raise RefusedError(msg("refuse.approver", "{id} rev {revision}: {problem}", id=doc_id,
                               revision=entry.revision, problem=problem))
    if entry.status != "draft":
        raise RefusedError(msg("refuse.approve_not_draft", "{id} rev {revision} is {status}; only "
                               "a draft is approved (register a new revision as a draft: "
                               "techxfer add … --status draft)", id=doc_id,
                               revision=entry.revision, status=term("status", entry.status)))
    path = approval_path(doc_id, entry.revision)
    if snap.exists(path) or (ws.root / path).exists():
        raise RefusedError(msg("refuse.already_approved", "{id} rev {revision} is already "
                               "approved ({path})", id=doc_id, revision=entry.revision, path=path))
    if not snap.is_file(entry.path) or snap.sha256(entry.path) != entry.sha256:
        raise RefusedError(msg("refuse.approve_changed", "{id}: {path} does not match its SHA-256 "
                               "in {manifest} at HEAD; register and commit it first", id=doc_id,
                               path=entry.path, manifest=entry.manifest))
    _require_request_approved(snap, config, entry)
    manifest_file = ws.root / entry.manifest
    if manifest_file.read_bytes() != snap.read(entry.manifest):
        raise RefusedError(msg("refuse.approve_manifest_pending", "{manifest} has uncommitted "
                               "changes; commit or discard them first (the approval commits that "
                               "manifest)", manifest=entry.manifest))
    role = carrying_role(config, signer.party.id, signer.person.roles, APPROVED)
    assert role is not None  # approver_problem said the signer carries it
    day = effective or date.today()
    record = RevisionApproval(doc_id, entry.revision, entry.sha256, signer.party.id,
                              signer.person.id, role, APPROVED, when, day, comment or None)
    data = render("approval", record.as_dict(), path)
    problems = approval_problems(record, path, signer, config, register_of(snap))
    if problems:
        raise RefusedError(several(*(m for _, m in problems)))
    raw = yamlio.load(manifest_file.read_bytes(), entry.manifest)
    target = raw["documents"][entry.index]
    target.update(status="effective", effective=day.isoformat())
    manifest = render("manifest", raw, entry.manifest)
    paths = [entry.manifest, path]
    subject = f"Approve {doc_id} rev {entry.revision}, effective {day.isoformat()}" \
        + (f" — {comment}" if comment else "")
    with Transaction() as tx, index_guard(ws.repo):
        tx.write(ws.root / path, data)
        tx.write(manifest_file, manifest)
        ws.repo.add(paths)
        commit = signed_commit(ws.repo, subject, only=paths)
    return Approved(record, path, commit, signer)


def _require_request_approved(snap: Snapshot, config: Config, entry: DocumentEntry) -> None:
    """A revision a change request carries is used only once the recipient approved it
    (by a role carrying ``approved``)."""
    records = load_records(snap)
    requests = [tx for tx in records.transfers.values() if tx.type == CHANGE_REQUEST
                and any((i.id, i.revision) == (entry.id, entry.revision) for i in tx.items)]
    if not requests:
        return
    for tx in requests:
        ack = records.acks.get((tx.id, tx.recipient))
        if acknowledged(config, tx, ack) is None and any(
                (i.id, i.revision, i.sha256) == (entry.id, entry.revision, entry.sha256)
                for i in tx.items):
            return
    raise RefusedError(msg("refuse.request_unapproved", "{id} rev {revision} is proposed by "
                           "change request {ids}, which its recipient has not approved with this "
                           "content", id=entry.id, revision=entry.revision,
                           ids=listing(*sorted(tx.id for tx in requests))))


@dataclass(frozen=True)
class ImplementationDone:
    record: Implementation
    path: str
    commit: str
    transfer: Transfer


def confirm_implemented(ws: Workspace, tx_id: str, first_batch: str, *,
                        comment: str | None = None,
                        when: datetime | None = None) -> ImplementationDone:
    when = when or now()
    _, snap, config = committed(ws)
    if not BATCH_NUMBER.fullmatch(first_batch):
        raise UsageError(msg("refuse.first_batch", "--first-batch: {batch!r} is not a batch "
                             "number (letters, digits, '.', '_' or '-', at most 64)",
                             batch=first_batch))
    tx_path = transfer_path(tx_id)
    if not snap.exists(tx_path):
        raise UsageError(msg("refuse.no_transfer", "no committed transfer {tx} ({path} is not "
                             "in HEAD)", tx=tx_id, path=tx_path))
    tx = Transfer.create(snap.load("transfer", tx_path))
    if tx.type != CHANGE_REQUEST:
        raise RefusedError(msg("refuse.implemented_type", "{tx} is a {type} transfer; only a "
                               "change request is confirmed as implemented", tx=tx_id,
                               type=term("type", tx.type)))
    signer = current_signer(ws, config, when)
    _require_implementer(config, signer, tx)
    why = acknowledged(config, tx, load_records(snap).acks.get((tx_id, tx.recipient)))
    if why is not None:
        raise RefusedError(msg("refuse.implemented_unapproved", "{tx}: {why}; a change is "
                               "implemented only after its approval ({path})", tx=tx_id, why=why,
                               path=ack_path(tx_id, tx.recipient)))
    path = implementation_path(tx_id)
    if snap.exists(path) or (ws.root / path).exists():
        raise RefusedError(msg("refuse.already_implemented", "{tx} is already confirmed as "
                               "implemented ({path})", tx=tx_id, path=path))
    transfer_commit = ws.repo.first_commit_adding(tx_path)
    if transfer_commit is None:
        raise UsageError(msg("refuse.no_transfer_commit", "cannot find the commit that "
                             "recorded {tx}", tx=tx_id))
    role = carrying_role(config, signer.party.id, signer.person.roles, IMPLEMENTED)
    assert role is not None
    record = Implementation(tx_id, transfer_commit, signer.party.id, signer.person.id, role,
                            IMPLEMENTED, first_batch, when, comment or None)
    data = render("implementation", record.as_dict(), path)
    problems = implementation_problems(record, tx_id, Sent(tx, transfer_commit, tx.date),
                                       signer, config)
    if problems:
        raise RefusedError(several(*(m for _, m in problems)))
    subject = f"Implemented {tx_id} from batch {first_batch}" + (f" — {comment}" if comment else "")
    with Transaction() as t, index_guard(ws.repo):
        t.write(ws.root / path, data)
        ws.repo.add([path])
        commit = signed_commit(ws.repo, subject, only=[path])
    return ImplementationDone(record, path, commit, tx)


def _require_implementer(config: Config, signer: Signer, tx: Transfer) -> None:
    party = implementer(config, tx)
    who = f"{signer.party.id}:{signer.person.id}"
    if signer.party.id != party:
        raise RefusedError(msg("refuse.implementer", "{tx} is implemented by {party}; {who} "
                               "cannot confirm it", tx=tx.id, party=party, who=who))
    problem = meaning_problem(config, signer, IMPLEMENTED)
    if problem is not None:
        raise RefusedError(problem)
