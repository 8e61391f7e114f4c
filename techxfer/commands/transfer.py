"""``techxfer transfer`` and ``techxfer ack``: checked first, then one signed commit each.

Before anything is written, everything ``verify`` will later judge is checked here with
the policy in force at HEAD, and the command refuses early with the reason. Writing is
all-or-nothing: files and index are restored if signing or committing fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from techxfer.commands.init import render
from techxfer.errors import RefusedError, UsageError
from techxfer.findings import Code, listing, msg, term
from techxfer.format.fileio import Transaction
from techxfer.format.layout import (
    CONFIG_DIR,
    HOUSEKEEPING,
    ack_path,
    is_governing_path,
    transfer_path,
)
from techxfer.git.signing import configured_key, index_guard, signed_commit
from techxfer.model.manifest import DocumentEntry
from techxfer.model.parties import Signer
from techxfer.model.times import format_instant, now
from techxfer.model.transfer import (
    CHANGE_REQUEST,
    Acknowledgement,
    Transfer,
    entry_record,
    manifest_digest,
    new_id,
)
from techxfer.rules.authorisation import holds_role, may_write, sender_roles
from techxfer.rules.meanings import ack_refusal, carrying_role
from techxfer.rules.register import check_state, other_owner
from techxfer.rules.signer import resolve_key
from techxfer.state.config import Config, in_force_digest, load_config
from techxfer.state.records import committed, load_records
from techxfer.state.snapshot import Snapshot, commit_snapshot
from techxfer.state.workspace import Workspace


def current_signer(ws: Workspace, config: Config, when: datetime) -> Signer:
    kind, identity = configured_key(ws.repo)
    holder = resolve_key(config, kind, identity, when)
    if holder.signer is None or holder.code is not None:
        hint = msg("refuse.signing_key_unknown", "ask your quality head to add it (techxfer "
                   "person add)") if holder.code == Code.UNKNOWN_KEY else None
        raise RefusedError(msg("refuse.signing_key", "your signing key: {problem}",
                               problem=holder.said or holder.problem), hint=hint)
    return holder.signer


def require_policy_owner(config: Config, entry: DocumentEntry) -> None:
    """Refuse to write ENTRY while it names an owner other than the policy's (a folder moved
    to the other party by a policy change, its entry not yet relabelled): verify would
    blame the commit."""
    named = other_owner(config, entry)
    if named is not None:
        raise RefusedError(msg("refuse.stale_owner", "{id}: the policy names {named} the owner of "
                               "{path}, the register {owner}; register it under its owner "
                               "first (techxfer add {path} …)", id=entry.id, named=named.id,
                               path=entry.path, owner=entry.owner))


def _who(signer: Signer) -> str:
    return f"{signer.party.id}:{signer.person.id}"


@dataclass(frozen=True)
class TransferRequest:
    ids: tuple[str, ...]
    changed: bool
    to: str
    reason: str
    type: str = "initial"
    change_ref: str | None = None


@dataclass(frozen=True)
class TransferDone:
    transfer: Transfer
    commit: str
    signer: Signer


def _select(req: TransferRequest, entries: dict[str, DocumentEntry], sender: str,
            config: Config, previous: dict[str, tuple[str, str, str]],
            unregistered: set[str]) -> list[DocumentEntry]:
    """The documents to transfer. UNREGISTERED: paths whose file differs from its register
    entry; ``--changed`` names them rather than leave them out without a word."""
    if req.ids and req.changed:
        raise UsageError(msg("refuse.ids_and_changed", "give document ids or --changed, not both"))
    if req.type == "termination":
        # everything the recipient holds (guide template §13), never a choice
        if req.ids or req.changed:
            raise UsageError(msg("refuse.termination_args", "a termination withdraws everything "
                                 "the recipient holds; give no document ids and no --changed"))
        held = sorted(doc for doc, last in previous.items() if last[2] != "withdraw")
        missing = [doc for doc in held if doc not in entries]
        if missing:
            raise RefusedError(msg("refuse.termination_missing", "{ids}: held by the recipient "
                                   "but no longer in the register", ids=listing(*missing)))
        if not held:
            raise UsageError(msg("refuse.termination_nothing",
                                 "termination: the recipient holds nothing of yours"))
        return sorted((entries[doc] for doc in held), key=lambda e: e.path)
    if req.changed:
        owned = [e for e in entries.values()
                 if config.party_id(e.owner) == sender and e.status != "draft"]
        stale = sorted(f"{e.id} ({e.path})" for e in owned if e.path in unregistered)
        if stale:
            raise RefusedError(msg("refuse.changed_stale", "--changed: {docs} changed since "
                                   "registered; register the new revision first (techxfer add), "
                                   "or name the documents to transfer without it",
                                   docs=listing(*stale)))
        chosen = [e for e in owned
                  if previous.get(e.id, ("", "", ""))[:2] != (e.revision, e.sha256)]
        if not chosen:
            raise UsageError(msg("refuse.changed_nothing",
                                 "--changed: nothing has changed since the last transfer"))
        return sorted(chosen, key=lambda e: e.path)
    if not req.ids:
        raise UsageError(msg("refuse.no_ids", "name the documents to transfer (ids) or give "
                             "--changed"))
    unknown = [i for i in req.ids if i not in entries]
    if unknown:
        raise UsageError(msg("refuse.unknown_ids", "unknown document id(s): {ids}",
                             ids=listing(*unknown)))
    return [entries[i] for i in dict.fromkeys(req.ids)]


def _action(req: TransferRequest, entry: DocumentEntry,
            previous: dict[str, tuple[str, str, str]]) -> str:
    if req.type in ("withdrawal", "disposal-notice", "termination") \
            or entry.status in ("obsolete", "destroyed"):
        return "withdraw"
    last = previous.get(entry.id)
    if last is None or last[2] == "withdraw":
        return "add"
    if last[:2] == (entry.revision, entry.sha256):
        raise RefusedError(msg("refuse.already_transferred", "{id} rev {revision} was already "
                               "transferred with this content; register a new revision first "
                               "(techxfer add)", id=entry.id, revision=entry.revision))
    return "revise"


def create_transfer(ws: Workspace, req: TransferRequest, *, when: datetime | None = None,
                    signing_key: Any = None) -> TransferDone:
    when = when or now()
    head, head_snap, config = committed(ws)
    signer = current_signer(ws, config, when)
    roles = sender_roles(config, req.type)
    role = holds_role(config, signer, roles)
    if role is None:
        raise RefusedError(msg("refuse.no_send_role", "{who} holds no role that may send a "
                               "{type} transfer ({roles})", who=_who(signer),
                               type=term("type", req.type), roles=listing(*map(str, roles))))
    recipient = config.parties.resolve(req.to)
    if recipient is None:
        raise UsageError(msg("refuse.unknown_to", "--to: unknown party {party!r}", party=req.to))
    if recipient.id == signer.party.id:
        raise UsageError(msg("refuse.to_itself", "--to {party}: a party cannot transfer to "
                             "itself", party=req.to))

    records = load_records(head_snap)
    work = check_state(ws.worktree())
    entries = {e.id: e for e in work.entries()}
    previous = records.last_transferred(recipient.id)
    paths: set[str] = set()
    if req.type == "policy-change":
        if req.ids or req.changed:
            raise UsageError(msg("refuse.policy_change_docs", "a policy-change transfer carries "
                                 "the configuration changes, not documents"))
        chosen: list[DocumentEntry] = []
        items: list[dict[str, Any]] = []
        # The configuration: .techxfer/ (not the holds) and the housekeeping files, the
        # very paths the digest covers (state.config.in_force_digest), so what is committed
        # is what the digest names.
        paths = {p for p in ws.repo.changed_worktree_paths() if is_governing_path(p)}
        if not paths:
            raise UsageError(msg("refuse.policy_change_nothing", "policy-change: there are no "
                                 "uncommitted changes under {folder}/ or to the housekeeping "
                                 "files ({files})", folder=CONFIG_DIR,
                                 files=listing(*HOUSEKEEPING)))
        digest = in_force_digest(ws.worktree())
    else:
        unregistered = {f.path for f in work.findings
                        if f.code is Code.HASH_MISMATCH and f.path is not None}
        chosen = _select(req, entries, signer.party.id, config, previous, unregistered)
        items = []
        for entry in chosen:
            if config.party_id(entry.owner) != signer.party.id:
                raise RefusedError(msg("refuse.not_owner", "{id} is owned by {owner}; only the "
                                       "owner transfers it", id=entry.id, owner=entry.owner))
            action = _action(req, entry, previous)
            if action != "withdraw" and (entry.status == "draft") != (req.type == CHANGE_REQUEST):
                raise RefusedError(msg(
                    "refuse.request_drafts_only", "{id} rev {revision} is {status}: a {type} "
                    "transfer proposes drafts only", id=entry.id, revision=entry.revision,
                    status=term("status", entry.status), type=term("type", CHANGE_REQUEST))
                    if req.type == CHANGE_REQUEST else msg(
                    "refuse.draft_transferred", "{id} rev {revision} is a draft: transfers "
                    "carry effective revisions (approve it first: techxfer approve), drafts only "
                    "as --type {type}", id=entry.id, revision=entry.revision,
                    type=CHANGE_REQUEST))
            if action != "withdraw" or entry.status != "destroyed":
                _require_intact(work.snap, entry)
            items.append({"id": entry.id, "path": entry.path, "revision": entry.revision,
                          "sha256": entry.sha256, "action": action})
            paths.update({entry.path, entry.manifest} if work.snap.exists(entry.path)
                         else {entry.manifest})
        _require_only_these(ws, head_snap, chosen, {e.manifest for e in chosen})
        digest = manifest_digest(chosen)
    # Manifests are judged by the files their changed entries list (DESIGN 1.3).
    judged = {e.path for e in chosen} if req.type != "policy-change" else paths
    for path in sorted(judged):
        if not may_write(config, signer, path):
            raise RefusedError(msg("refuse.may_not_change", "{who} may not change {path} under "
                                   "the policy in force", who=_who(signer), path=path))

    tx_id = new_id("TX", signer.party.seat, when)
    record: dict[str, Any] = {
        "id": tx_id, "date": format_instant(when), "from": signer.party.id, "to": recipient.id,
        "type": req.type, "reason": req.reason,
    }
    if req.change_ref:
        record["change_ref"] = req.change_ref
    record.update(signer=signer.person.id, role=role, manifest_digest=digest, items=items)
    record_path = transfer_path(tx_id)
    data = render("transfer", record, record_path)
    commit_paths = sorted(paths | {record_path})
    subject = f"Transfer {tx_id} ({req.type}) to {recipient.id}: {req.reason}"
    with Transaction() as tx, index_guard(ws.repo):
        tx.write(ws.root / record_path, data)
        ws.repo.add(commit_paths)
        commit = signed_commit(ws.repo, subject, only=commit_paths, signing_key=signing_key)
    return TransferDone(Transfer.create(record), commit, signer)


def _require_intact(snap: Snapshot, entry: DocumentEntry) -> None:
    if not snap.is_file(entry.path):
        raise RefusedError(msg("refuse.doc_missing", "{id}: {path} is missing", id=entry.id,
                               path=entry.path))
    if snap.sha256(entry.path) != entry.sha256:
        raise RefusedError(msg("refuse.doc_changed", "{id}: {path} does not match its SHA-256 "
                               "in {manifest}; register the change first (techxfer add)",
                               id=entry.id, path=entry.path, manifest=entry.manifest))


def _require_only_these(ws: Workspace, head: Snapshot, chosen: list[DocumentEntry],
                        manifests: set[str]) -> None:
    """The manifests are committed whole: refuse if they carry other pending changes."""
    chosen_ids = {e.id for e in chosen}
    head_state = check_state(head, scope=set(manifests))
    before = {e.id: entry_record(e) for e in head_state.entries() if e.manifest in manifests}
    work = check_state(ws.worktree(), scope=set(manifests))
    after = {e.id: entry_record(e) for e in work.entries() if e.manifest in manifests}
    others = sorted(i for i in set(before) | set(after)
                    if i not in chosen_ids and before.get(i) != after.get(i))
    if others:
        raise RefusedError(msg("refuse.manifest_pending", "{manifests} also carries uncommitted "
                               "changes to {ids}; transfer them too or commit them first",
                               manifests=listing(*sorted(manifests)), ids=listing(*others)))


@dataclass(frozen=True)
class AckDone:
    ack: Acknowledgement
    commit: str
    transfer: Transfer


def acknowledge(ws: Workspace, tx_id: str, meaning: str, comment: str | None, *,
                when: datetime | None = None, signing_key: Any = None) -> AckDone:
    when = when or now()
    head, head_snap, config = committed(ws)
    path = transfer_path(tx_id)
    if not head_snap.exists(path):
        raise UsageError(msg("refuse.no_transfer", "no committed transfer {tx} ({path} is not "
                             "in HEAD)", tx=tx_id, path=path))
    transfer = Transfer.create(head_snap.load("transfer", path))
    signer = current_signer(ws, config, when)
    if signer.party.id != transfer.recipient:
        raise RefusedError(msg("refuse.own_transfer", "{tx} was sent to {recipient}; {who} "
                               "cannot acknowledge it (a party cannot acknowledge its own "
                               "transfer)", tx=tx_id, recipient=transfer.recipient,
                               who=_who(signer))
                           if signer.party.id == transfer.sender else
                           msg("refuse.not_recipient", "{tx} was sent to {recipient}; {who} "
                               "cannot acknowledge it", tx=tx_id, recipient=transfer.recipient,
                               who=_who(signer)))
    if holds_role(config, signer, config.policy.ack_roles) is None:
        raise RefusedError(msg("refuse.no_ack_role", "{who} holds no acknowledgement role "
                               "({roles})", who=_who(signer),
                               roles=listing(*map(str, config.policy.ack_roles))))
    refusal = ack_refusal(config, signer, transfer, meaning)
    if refusal is not None:
        raise RefusedError(refusal)
    # the role that carries the meaning is the capacity the signature is given in
    role = carrying_role(config, signer.party.id, signer.person.roles, meaning)
    assert role is not None  # ack_refusal said it carries the meaning
    record_path = ack_path(tx_id, signer.party.id)
    if head_snap.exists(record_path) or (ws.root / record_path).exists():
        raise RefusedError(msg("refuse.already_acknowledged", "{tx} is already acknowledged by "
                               "{party} ({path})", tx=tx_id, party=signer.party.id,
                               path=record_path))
    transfer_commit = ws.repo.first_commit_adding(path)
    if transfer_commit is None:
        raise UsageError(msg("refuse.no_transfer_commit", "cannot find the commit that "
                             "recorded {tx}", tx=tx_id))
    record: dict[str, Any] = {
        "transfer": tx_id, "transfer_commit": transfer_commit,
        "manifest_digest": transfer.manifest_digest, "party": signer.party.id,
        "signer": signer.person.id, "role": role, "meaning": meaning,
        "date": format_instant(when),
    }
    if comment:
        record["comment"] = comment
    data = render("ack", record, record_path)
    subject = f"Acknowledge {tx_id}: {meaning}" + (f" — {comment}" if comment else "")
    with Transaction() as tx, index_guard(ws.repo):
        tx.write(ws.root / record_path, data)
        ws.repo.add([record_path])
        commit = signed_commit(ws.repo, subject, only=[record_path], signing_key=signing_key)
    return AckDone(Acknowledgement.create(record), commit, transfer)




def default_type(ws: Workspace, to: str) -> str:
    """``initial`` for the first transfer to a party, ``change`` after that."""
    head = ws.repo.head()
    if head is None:
        return "initial"
    snap = commit_snapshot(ws.repo, head, ws.cache)
    config = load_config(snap)
    recipient = config.party_id(to)
    records = load_records(snap)
    return "change" if any(t.recipient == recipient for t in records.transfers.values()) else "initial"


@dataclass(frozen=True)
class Pending:
    transfer: Transfer
    state: str  # pending | overdue
    due: datetime


def pending_transfers(ws: Workspace, when: datetime | None = None) -> list[Pending]:
    """Committed transfers the recipient has not acknowledged yet."""
    when = when or now()
    head = ws.repo.head()
    if head is None:
        return []
    snap = commit_snapshot(ws.repo, head, ws.cache)
    config = load_config(snap)
    records = load_records(snap)
    out = []
    for tx in records.in_order():
        if (tx.id, tx.recipient) not in records.acks:
            due = tx.due(config.repo)
            out.append(Pending(tx, "overdue" if when > due else "pending", due))
    return out
