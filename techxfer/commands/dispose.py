"""Holds, the check before destruction, and disposition (DESIGN section 6).

``may_destroy`` answers the records clerk's question with evidence: retention over, no
hold, and the registrant notified and approving (a ``disposal-notice`` transfer
acknowledged ``approved``). ``dispose`` then removes the files in one signed commit with
a disposition record; the register keeps each entry, marked ``destroyed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from techxfer.commands.init import render
from techxfer.commands.transfer import current_signer
from techxfer.errors import RefusedError, UsageError
from techxfer.format import yamlio
from techxfer.format.fileio import Transaction
from techxfer.format.layout import HOLDS_DIR, ack_path, disposition_path
from techxfer.git.signing import index_guard, signed_commit
from techxfer.model.manifest import DocumentEntry
from techxfer.model.times import format_instant, now
from techxfer.model.transfer import new_id
from techxfer.rules.authorisation import holds_role, may_write
from techxfer.rules.register import check_state
from techxfer.rules.release import release_dates
from techxfer.rules.retention import NoticeApproval, RecordRetention, assess, destruction_blockers
from techxfer.state.config import Config
from techxfer.state.records import Records, committed, load_records
from techxfer.state.snapshot import Snapshot
from techxfer.state.workspace import Workspace


@dataclass
class Verdict:
    entry: DocumentEntry
    retention: RecordRetention
    approval: NoticeApproval | None
    reasons: list[str] = field(default_factory=list)

    @property
    def may_destroy(self) -> bool:
        return not self.reasons


def notice_approver(config: Config, entry: DocumentEntry) -> str:
    """Who must approve destroying this record: the registrant (its own records are
    approved by its own quality head through the same notice, sent to the manufacturer)."""
    return config.repo.registrant


def find_approval(ws: Workspace, records: Records, config: Config, entry: DocumentEntry,
                  notice: str | None) -> NoticeApproval | None:
    """The disposal notice listing this record, and its acknowledgement."""
    candidates = [t for t in records.transfers.values()
                  if t.type == "disposal-notice" and any(i.id == entry.id for i in t.items)
                  and (notice is None or t.id == notice)]
    best: NoticeApproval | None = None
    for tx in sorted(candidates, key=lambda t: t.date):
        ack = records.acks.get((tx.id, tx.recipient))
        approval = NoticeApproval(tx, ack.meaning if ack else None)
        if ack is not None and ack.meaning == "approved":
            ack_commit = ws.repo.first_commit_adding(ack_path(tx.id, tx.recipient))
            return NoticeApproval(tx, ack.meaning, ack.transfer_commit, ack_commit)
        best = approval
    return best


def judge(ws: Workspace, snap: Snapshot, config: Config, records: Records, entry: DocumentEntry,
          as_of: datetime, notice: str | None) -> Verdict:
    approval = find_approval(ws, records, config, entry, notice)
    released = release_dates(snap)
    return Verdict(entry, assess(entry, config, as_of, released), approval,
                   destruction_blockers(entry, config, as_of, approval, released))


def check_records(ws: Workspace, ids: list[str], as_of: datetime | None = None,
                  notice: str | None = None) -> list[Verdict]:
    as_of = as_of or now()
    _, snap, config = committed(ws)
    records = load_records(snap)
    state = check_state(snap)
    entries = {e.id: e for e in state.entries()}
    unknown = [i for i in ids if i not in entries]
    if unknown:
        raise UsageError(f"unknown document id(s): {', '.join(unknown)}")
    return [judge(ws, snap, config, records, entries[i], as_of, notice) for i in ids]


def request_disposal(ws: Workspace, ids: list[str], reason: str) -> Any:
    from techxfer.commands.transfer import TransferRequest, create_transfer

    _, _, config = committed(ws)
    signer = current_signer(ws, config, now())
    to = config.repo.registrant if signer.party.id != config.repo.registrant \
        else config.repo.manufacturer
    return create_transfer(ws, TransferRequest(tuple(ids), False, to, reason, "disposal-notice"))


@dataclass(frozen=True)
class Disposed:
    id: str
    commit: str
    records: tuple[str, ...]


def dispose(ws: Workspace, ids: list[str], notice: str, reason: str | None) -> Disposed:
    when = now()
    verdicts = check_records(ws, ids, when, notice)
    refused = [f"{v.entry.id}: {'; '.join(v.reasons)}" for v in verdicts if not v.may_destroy]
    if refused:
        raise RefusedError("may not destroy: " + " | ".join(refused))
    _, head_snap, config = committed(ws)
    signer = current_signer(ws, config, when)
    for v in verdicts:
        if not may_write(config, signer, v.entry.path):
            raise RefusedError(f"{signer.party.id}:{signer.person.id} may not remove {v.entry.path}")
    approval = verdicts[0].approval
    assert approval is not None and approval.ack_commit is not None
    disp_id = new_id("DISP", signer.party.seat, when)
    record = {
        "id": disp_id, "date": format_instant(when), "party": signer.party.id,
        "signer": signer.person.id, "reason": reason or approval.transfer.reason,
        "notice": notice, "approval_commit": approval.ack_commit,
        "records": [{"id": v.entry.id, "path": v.entry.path, "revision": v.entry.revision,
                     "sha256": v.entry.sha256} for v in verdicts],
    }
    record_path = disposition_path(disp_id)
    manifests: dict[str, list[DocumentEntry]] = {}
    for v in verdicts:
        manifests.setdefault(v.entry.manifest, []).append(v.entry)
    files: dict[str, bytes] = {record_path: render("disposition", record, record_path)}
    for manifest, entries in manifests.items():
        raw = yamlio.load((ws.root / manifest).read_bytes(), manifest)
        for entry in entries:
            doc = raw["documents"][entry.index]
            doc["status"] = "destroyed"
            doc["x-disposition"] = disp_id
        files[manifest] = render("manifest", raw, manifest)
    removed = [v.entry.path for v in verdicts]
    paths = sorted(set(files) | set(removed))
    with Transaction() as tx, index_guard(ws.repo):
        for path, data in files.items():
            tx.write(ws.root / path, data)
        for path in removed:
            tx.remove(ws.root / path)
        ws.repo.add(paths)
        commit = signed_commit(ws.repo, f"Dispose {', '.join(ids)} ({disp_id}) per {notice}",
                               only=paths)
    return Disposed(disp_id, commit, tuple(ids))


def place_hold(ws: Workspace, match: list[str], ids: list[str], reason: str, ref: str | None
               ) -> tuple[str, str]:
    if not match and not ids:
        raise UsageError("give --match PATTERN or --id ID (or both)")
    when = now()
    _, _, config = committed(ws)
    signer = current_signer(ws, config, when)
    if holds_role(config, signer, config.policy.hold_roles) is None:
        raise RefusedError(f"{signer.party.id}:{signer.person.id} may not place legal holds "
                           f"(hold_roles: {', '.join(map(str, config.policy.hold_roles))})")
    hold_id = new_id("HOLD", signer.party.seat, when)
    record: dict[str, Any] = {"id": hold_id, "reason": reason}
    if ref:
        record["ref"] = ref
    record.update(placed=format_instant(when), placed_by=f"{signer.party.id}:{signer.person.id}")
    if match:
        record["match"] = match
    if ids:
        record["ids"] = ids
    path = f"{HOLDS_DIR}{hold_id}.yaml"
    return hold_id, _commit_hold(ws, path, render("hold", record, path),
                                 f"Legal hold {hold_id}: {reason}")


def release_hold(ws: Workspace, hold_id: str, reason: str) -> str:
    when = now()
    _, head_snap, config = committed(ws)
    signer = current_signer(ws, config, when)
    if holds_role(config, signer, config.policy.hold_roles) is None:
        raise RefusedError(f"{signer.party.id}:{signer.person.id} may not release legal holds")
    path = f"{HOLDS_DIR}{hold_id}.yaml"
    if not head_snap.exists(path):
        raise UsageError(f"no committed hold {hold_id}")
    raw = head_snap.load("hold", path)
    if "released" in raw:
        raise RefusedError(f"{hold_id} was already released on {raw['released']['date']}")
    raw["released"] = {"date": format_instant(when), "by": f"{signer.party.id}:{signer.person.id}",
                       "reason": reason}
    return _commit_hold(ws, path, render("hold", raw, path), f"Release legal hold {hold_id}: {reason}")


def _commit_hold(ws: Workspace, path: str, data: bytes, message: str) -> str:
    with Transaction() as tx, index_guard(ws.repo):
        tx.write(ws.root / path, data)
        ws.repo.add([path])
        return signed_commit(ws.repo, message, only=[path])
