"""The check before destruction, the disposal notice, and disposition (DESIGN section 6).

``may_destroy`` answers the records clerk's question with evidence: retention over, no
hold, and the registrant notified and approving (a ``disposal-notice`` transfer
acknowledged ``approved``). ``dispose`` then removes the files from the tree in one
signed commit with a disposition record; the register keeps each entry, marked
``destroyed``. Git keeps every earlier commit, so the content is not gone: the result says
which blobs and commits still hold it (every revision, with its own retention), for the
records staff to decide on a history rewrite, which verify reports as HISTORY_REWRITTEN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from techxfer.commands.init import render
from techxfer.commands.transfer import current_signer, require_policy_owner
from techxfer.errors import RefusedError, UsageError
from techxfer.findings import Msg, listing, msg, parts, several
from techxfer.format import yamlio
from techxfer.format.fileio import Transaction
from techxfer.format.layout import ack_path, disposition_path
from techxfer.git.signing import index_guard, signed_commit
from techxfer.model.manifest import DocumentEntry
from techxfer.model.times import format_instant, now
from techxfer.model.transfer import new_id
from techxfer.reports.revisions import StoredRevision, revisions, superseded_rows
from techxfer.rules.authorisation import may_write
from techxfer.rules.register import check_state
from techxfer.rules.release import release_dates
from techxfer.rules.retention import (
    Blocker,
    NoticeApproval,
    RecordRetention,
    assess,
    blockers,
    destruction_reasons,
)
from techxfer.state.config import Config
from techxfer.state.records import Records, committed, load_records
from techxfer.state.snapshot import Snapshot
from techxfer.state.workspace import Workspace


@dataclass
class Verdict:
    entry: DocumentEntry
    retention: RecordRetention
    approval: NoticeApproval | None
    said: list[Msg] = field(default_factory=list)  # why it may not be destroyed
    # Every revision the history holds, and the older ones judged as records of their own:
    # dispose removes the current file only, so they are the same whatever the verdict.
    history: list[StoredRevision] = field(default_factory=list)
    older: list[RecordRetention] = field(default_factory=list)

    @property
    def may_destroy(self) -> bool:
        return not self.said

    @property
    def reasons(self) -> list[str]:
        return [m.text for m in self.said]


def notice_approver(config: Config, entry: DocumentEntry) -> str:
    """Who must approve destroying this record: the registrant (its own records are
    approved by its own quality head through the same notice, sent to the manufacturer)."""
    return config.repo.registrant


def find_approval(ws: Workspace, records: Records, config: Config, entry: DocumentEntry,
                  notice: str | None) -> NoticeApproval | None:
    """The disposal notice listing this record, and its acknowledgement."""
    candidates = [t for t in records.in_order()
                  if t.type == "disposal-notice" and any(i.id == entry.id for i in t.items)
                  and (notice is None or t.id == notice)]
    best: NoticeApproval | None = None
    for tx in candidates:
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
                   destruction_reasons(entry, config, as_of, approval, released))


def check_records(ws: Workspace, ids: list[str], as_of: datetime | None = None,
                  notice: str | None = None) -> list[Verdict]:
    as_of = as_of or now()
    head, snap, config = committed(ws)
    records = load_records(snap)
    state = check_state(snap)
    entries = {e.id: e for e in state.entries()}
    unknown = [i for i in ids if i not in entries]
    if unknown:
        raise UsageError(msg("refuse.unknown_ids", "unknown document id(s): {ids}",
                             ids=listing(*unknown)))
    verdicts = [judge(ws, snap, config, records, entries[i], as_of, notice) for i in ids]
    stored = revisions(ws, {v.entry.manifest for v in verdicts}, head)
    for v in verdicts:
        v.history = stored.get(v.entry.id, [])
        v.older = superseded_rows(v.history, config, as_of)
    return verdicts


def request_refusals(ws: Workspace, ids: list[str], as_of: datetime, *,
                     before_end: bool = False) -> dict[str, list[Blocker]]:
    """Why a disposal notice may not be sent for these records: each one that ``blockers``
    keeps for a reason other than the notice itself (which is what the request asks for).
    BEFORE_END lets a notice be prepared ahead of a known end date (DESIGN 6: the notice
    is the registrant's to approve, and the destruction is still judged when it is made);
    a hold, a permanent class, an end not yet known or a record already gone still refuse."""
    _, snap, config = committed(ws)
    entries = {e.id: e for e in check_state(snap).entries()}
    unknown = [i for i in ids if i not in entries]
    if unknown:
        raise UsageError(msg("refuse.unknown_ids", "unknown document id(s): {ids}",
                             ids=listing(*unknown)))
    out = {}
    released = release_dates(snap)
    for doc_id in ids:
        kept = [b for b in blockers(entries[doc_id], config, as_of, None, released)
                if b.kind != "notice" and not (before_end and b.kind == "retained")]
        if kept:
            out[doc_id] = kept
    return out


def request_disposal(ws: Workspace, ids: list[str], reason: str, *,
                     before_end: bool = False) -> Any:
    """Send the disposal notice (a ``disposal-notice`` transfer) for records that may go
    once it is approved; refused, nothing written, for any record that may not."""
    from techxfer.commands.transfer import TransferRequest, create_transfer

    when = now()
    refused = request_refusals(ws, ids, when, before_end=before_end)
    if refused:
        only_early = all(b.kind == "retained" for kept in refused.values() for b in kept)
        raise RefusedError(
            msg("refuse.no_notice", "no disposal notice sent: {records}", records=parts(*(
                msg("refuse.record_kept", "{id}: {why}", id=doc_id,
                    why=several(*(b.said for b in kept))) for doc_id, kept in refused.items()))),
            hint=msg("refuse.no_notice_hint", "to prepare the notice ahead of the end date, add "
                     "--before-end (the records still may not be destroyed before it)")
            if only_early else None)
    _, _, config = committed(ws)
    signer = current_signer(ws, config, when)
    to = config.repo.registrant if signer.party.id != config.repo.registrant \
        else config.repo.manufacturer
    return create_transfer(ws, TransferRequest(tuple(ids), False, to, reason, "disposal-notice"))


@dataclass(frozen=True)
class Disposed:
    """What ``dispose`` did, and what it could not do: the content of every revision of
    each record is still in the Git history (``history``), older ones with their own
    retention (``older``)."""

    id: str
    commit: str
    records: tuple[str, ...]
    path: str  # the disposition record
    removed: tuple[DocumentEntry, ...]  # files removed from the tree, entries marked destroyed
    last: str  # the last commit whose tree still holds the files (the parent of ``commit``)
    history: dict[str, list[StoredRevision]] = field(default_factory=dict)
    older: dict[str, list[RecordRetention]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        older = {doc_id: {r.entry.revision: r for r in rows} for doc_id, rows in self.older.items()}

        def revision(doc_id: str, stored: StoredRevision) -> dict[str, Any]:
            row = older.get(doc_id, {}).get(stored.entry.revision)
            return {**stored.as_json(), "until_commit": stored.replaced or self.last,
                    "retention": row.as_json() if row is not None else None}

        return {
            "disposition": self.id, "disposition_path": self.path, "commit": self.commit,
            "removed_from_tree": [e.path for e in self.removed],
            "register_entries": [{"id": e.id, "revision": e.revision, "manifest": e.manifest,
                                  "status": "destroyed"} for e in self.removed],
            "still_in_history": {e.id: [revision(e.id, r) for r in self.history.get(e.id, [])]
                                 for e in self.removed},
        }


def dispose(ws: Workspace, ids: list[str], notice: str, reason: str | None) -> Disposed:
    when = now()
    verdicts = check_records(ws, ids, when, notice)
    refused = [msg("refuse.record_kept", "{id}: {why}", id=v.entry.id, why=several(*v.said))
               for v in verdicts if not v.may_destroy]
    if refused:
        raise RefusedError(msg("refuse.may_not_destroy", "may not destroy: {records}",
                               records=parts(*refused)))
    head, head_snap, config = committed(ws)
    signer = current_signer(ws, config, when)
    for v in verdicts:
        require_policy_owner(config, v.entry)
        if not may_write(config, signer, v.entry.path):
            raise RefusedError(msg("refuse.may_not_remove", "{who} may not remove {path}",
                                   who=f"{signer.party.id}:{signer.person.id}",
                                   path=v.entry.path))
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
    return Disposed(disp_id, commit, tuple(ids), record_path, tuple(v.entry for v in verdicts),
                    head, {v.entry.id: v.history for v in verdicts},
                    {v.entry.id: v.older for v in verdicts})


def describe(done: Disposed, lang: str = "en") -> list[str]:
    """What ``dispose`` did, and where the content still is, in words (en or zh)."""
    from techxfer.reports.i18n import word

    def end(row: RecordRetention) -> str:
        return "permanent" if row.end.permanent else str(row.end.end or "?")

    lines = [word("dispose_done", lang, disp=done.id, path=done.path, commit=done.commit[:10])]
    for e in done.removed:
        lines.append(word("dispose_removed", lang, path=e.path, id=e.id, rev=e.revision))
    for e in done.removed:
        lines.append(word("dispose_register", lang, id=e.id, rev=e.revision, manifest=e.manifest))
    lines.append(word("dispose_not_gone", lang))
    first: str | None = None
    for e in done.removed:
        older = {r.entry.revision: r for r in done.older.get(e.id, [])}
        for stored in done.history.get(e.id, []):
            first = first or stored.since
            blob = stored.blob or "?"
            row = older.get(stored.entry.revision)
            if stored.replaced is None or row is None:
                lines.append("  " + word("dispose_current", lang, id=e.id, rev=stored.entry.revision,
                                         blob=blob, since=stored.since[:10], last=done.last[:10]))
            else:
                lines.append("  " + word("dispose_older", lang, id=e.id, rev=stored.entry.revision,
                                         by=row.replaced_by, blob=blob, since=stored.since[:10],
                                         until=stored.replaced[:10], state=row.state, end=end(row)))
            if stored.lfs_oid:
                lines.append("    " + word("dispose_lfs", lang, oid=stored.lfs_oid))
    lines.append(word("dispose_rewrite", lang, first=(first or done.last)[:10]))
    return lines
